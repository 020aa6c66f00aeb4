/**
 * `npm run lab -- up|down|status [--hosts N] [--name X] [--plain]`: the simulated site by hand.
 * `up` leaves it running (run the daemon inside with `ip netns exec pdl-<name>-app ...`);
 * `down` removes everything the lab made; `status` lists every lab on this machine.
 */
import { parseArgs } from 'node:util';
import { createLab, destroyLab, listLabs } from './lab.js';
import { labUnavailableReason } from './netns.js';
import { liveHosts, officeHosts } from './site.js';

const usage = 'usage: npm run lab -- up|down|status [--hosts N] [--name NAME] [--plain]';

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      hosts: { type: 'string', default: '8' },
      name: { type: 'string', default: 'demo' },
      plain: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
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
  if (action === 'up') {
    const count = Number(values.hosts);
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`--hosts: expected a positive number, got ${values.hosts}`);
    const t0 = performance.now();
    const lab = await createLab(
      { name: values.name, hosts: values.plain ? liveHosts(count) : officeHosts(count) },
      { cleanupOnExit: false, onProgress: (l) => console.log(`  ${l}`) },
    );
    console.log(`lab "${lab.name}" up in ${Math.round(performance.now() - t0)} ms: ${lab.subnet}`);
    console.log(`  appliance: ${lab.applianceNs} ${lab.applianceIp}`);
    for (const h of lab.hosts)
      console.log(`  ${h.label.padEnd(10)} ${h.kind.padEnd(7)} ${h.ip.padEnd(14)} ${h.mac}`);
    console.log(`run the daemon inside: ip netns exec ${lab.applianceNs} npm run dev`);
    return 0;
  }
  if (action === 'down') {
    const removed = await destroyLab(values.name);
    console.log(removed ? `lab "${values.name}" removed (${removed} namespaces)` : `no lab "${values.name}"`);
    return 0;
  }
  if (action === 'status') {
    const labs = listLabs();
    if (!labs.length) console.log('no labs');
    for (const lab of labs) {
      console.log(
        `lab "${lab.name}": ${lab.subnet ?? 'subnet unknown'}, ${lab.namespaces.length} namespaces`,
      );
      for (const h of lab.hosts ?? [])
        console.log(`  ${h.label.padEnd(10)} ${h.kind.padEnd(7)} ${h.ip.padEnd(14)} ${h.mac}`);
    }
    return 0;
  }
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
