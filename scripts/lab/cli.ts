/**
 * `npm run lab -- up|down|status [options]`: the simulated site by hand.
 *   --hosts N           how many hosts (default 8)
 *   --name X            lab name (default demo); `up` refuses a name a lab already has
 *   --replace           `up`: remove a lab of that name first (it may be someone's running demo)
 *   --plain             plain pinging hosts instead of the office
 *   --managed           managed machines (own root, sshd, apt from the lab vendor) incl. the
 *                       awkward ones; --plain --managed: plain managed machines only
 *   --key FILE          public key authorised for root on managed hosts (repeatable; e.g. the
 *                       daemon's `patch-depot inventory --public-key`)
 *   --rate KBIT --loss PCT --latency MS --payload BYTES   the vendor's WAN link and packages
 * `up` leaves it running (run the daemon inside with `ip netns exec pdl-<name>-app ...`);
 * `down` removes everything the lab made; `status` lists every lab on this machine.
 */
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { createLab, destroyLab, type Lab, listLabs, openLab } from './lab.js';
import { labUnavailableReason } from './netns.js';
import { liveHosts, managedHosts, officeHosts, plainManagedHosts } from './site.js';
import type { HostSpec, VendorSpec } from './spec.js';

const usage =
  'usage: npm run lab -- up|down|status [--hosts N] [--name NAME] [--replace] [--plain] [--managed] [--key FILE]... [--rate KBIT] [--loss PCT] [--latency MS] [--payload BYTES]';

const options = {
  hosts: { type: 'string', default: '8' },
  name: { type: 'string', default: 'demo' },
  plain: { type: 'boolean', default: false },
  replace: { type: 'boolean', default: false },
  managed: { type: 'boolean', default: false },
  key: { type: 'string', multiple: true },
  rate: { type: 'string' },
  loss: { type: 'string' },
  latency: { type: 'string' },
  payload: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

interface Values {
  hosts: string;
  name: string;
  plain: boolean;
  replace: boolean;
  managed: boolean;
  key?: string[];
  rate?: string;
  loss?: string;
  latency?: string;
  payload?: string;
  help?: boolean;
}

const int = (flag: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected a whole number, got ${raw}`);
  return n;
};

const hostsFor = (values: Values, count: number): HostSpec[] => {
  if (values.managed) return values.plain ? plainManagedHosts(count) : managedHosts(count);
  return values.plain ? liveHosts(count) : officeHosts(count);
};

const vendorFor = (values: Values): VendorSpec | undefined => {
  const v: VendorSpec = {};
  const set = (k: keyof VendorSpec, flag: string, raw: string | undefined): void => {
    const n = int(flag, raw);
    if (n !== undefined) v[k] = n;
  };
  set('rateKbit', 'rate', values.rate);
  set('lossPercent', 'loss', values.loss);
  set('latencyMs', 'latency', values.latency);
  set('payloadBytes', 'payload', values.payload);
  return Object.keys(v).length || values.managed ? v : undefined;
};

const printLab = (lab: Lab): void => {
  console.log(`  appliance: ${lab.applianceNs} ${lab.applianceIp}`);
  for (const h of lab.hosts) {
    const m = h.managed ? lab.managedState(h.label) : undefined;
    const awkward = h.managed
      ? Object.entries(h.managed)
          .filter(([, v]) => v)
          .map(([k, v]) => (v === true ? k : `${k}=${v}`))
          .join(',')
      : '';
    const state = m ? ` ${m.state}${awkward ? ` (${awkward})` : ''}` : '';
    console.log(`  ${h.label.padEnd(10)} ${h.kind.padEnd(7)} ${h.ip.padEnd(14)} ${h.mac}${state}`);
  }
  if (lab.vendor) {
    const v = lab.vendor;
    console.log(
      `  vendor:    ${v.ns} ${v.ip} (WAN ${v.rateKbit} kbit/s, loss ${v.lossPercent}%, +${v.latencyMs} ms)`,
    );
    console.log(`    repo ${v.repoUrl}  feed ${v.feedUrl}`);
    console.log(
      `    hosts fetch through the appliance's cache proxy: ${lab.proxyUrl()} (cache.upstreams: ${v.repoUrl}/)`,
    );
  }
};

const up = async (values: Values): Promise<number> => {
  const count = Number(values.hosts);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--hosts: expected a positive number, got ${values.hosts}`);
  const vendor = vendorFor(values);
  const t0 = performance.now();
  const lab = await createLab(
    {
      name: values.name,
      hosts: hostsFor(values, count),
      ...(vendor ? { vendor } : {}),
      authorizedKeys: (values.key ?? []).map((f) => readFileSync(f, 'utf8').trim()),
    },
    { cleanupOnExit: false, replace: values.replace, onProgress: (l) => console.log(`  ${l}`) },
  );
  console.log(`lab "${lab.name}" up in ${Math.round(performance.now() - t0)} ms: ${lab.subnet}`);
  printLab(lab);
  console.log(`run the daemon inside: ip netns exec ${lab.applianceNs} npm run dev`);
  return 0;
};

const status = (): number => {
  const labs = listLabs();
  if (!labs.length) console.log('no labs');
  for (const l of labs) {
    console.log(`lab "${l.name}": ${l.subnet ?? 'subnet unknown'}, ${l.namespaces.length} namespaces`);
    try {
      printLab(openLab(l.name));
    } catch {
      // no state file: a crashed run; `down --name` removes it
    }
  }
  return 0;
};

const main = async (): Promise<number> => {
  const parsed = parseArgs({ args: process.argv.slice(2), options, allowPositionals: true });
  const values = parsed.values as Values;
  const positionals = parsed.positionals;
  const action = positionals[0];
  if (values.help || !action) {
    console.log(usage);
    return action ? 0 : 2;
  }
  const why = labUnavailableReason();
  if (why) {
    console.error(`lab: ${why}`);
    return 1;
  }
  if (action === 'up') return up(values);
  if (action === 'down') {
    const removed = await destroyLab(values.name);
    console.log(removed ? `lab "${values.name}" removed (${removed} namespaces)` : `no lab "${values.name}"`);
    return 0;
  }
  if (action === 'status') return status();
  console.error(`lab: unknown action "${action}"\n${usage}`);
  return 2;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`lab: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
