/**
 * The demo (`scripts/quickstart --lab`): build a simulated office in network namespaces (office
 * devices, managed Debian machines with sshd and their own root filesystems, and a vendor behind a
 * simulated WAN serving a signed apt repository and a security-tracker feed), run the built daemon
 * inside its appliance namespace with settings pointing at that vendor, and make the UI reachable
 * on this machine's loopback through a unix-socket bridge. The whole life cycle runs offline:
 * feeds, scan, inventory, assessment, a deployment through the cache, verification. Every probe
 * the daemon sends stays inside the lab. Ctrl-C stops the daemon and removes the lab.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXIT_RESTART } from '../daemon/serve.js';
import { labDaemonConfig, mergeLabConfig } from './lab/daemon-config.js';
import { demoSteps } from './lab/demo-steps.js';
import { createLab, LAB_STATE_DIR } from './lab/lab.js';
import { labUnavailableReason, run } from './lab/netns.js';
import { managedHosts, officeHosts } from './lab/site.js';
import { labKeepDir } from './lab/spec.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const bridge = fileURLToPath(new URL('./unix-bridge.ts', import.meta.url));

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: 'string', default: '8080' },
    hosts: { type: 'string', default: '8' },
    managed: { type: 'string', default: '4' },
    name: { type: 'string', default: 'demo' },
    'data-dir': { type: 'string' },
  },
});
const port = Number(values.port);
/** Every message names the lab it is about (`lab site2: ...`), as --lab-name chose it. */
const tag = `lab ${values.name}:`;
const why = labUnavailableReason();
if (why) {
  console.error(`${tag} ${why}`);
  process.exit(1);
}

const children: ChildProcess[] = [];
let stopping = false;
let stopAll: (code?: number, fromTerminal?: boolean) => void = (code = 1) => process.exit(code);
/** Spawn a child; resolve once its stdout shows `ready` (echoing it when `echo` is set). */
const start = (cmd: string, args: string[], ready: string, echo = false): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    // JSON logs: the readiness marker below must not depend on the caller's log format.
    // PATCH_DEPOT_SUPERVISED: this script starts the daemon again after exit 75 (below), so its
    // "Restart now" page says to reload, not to start it by hand.
    const env = { ...process.env, PATCH_DEPOT_LOG_FORMAT: 'json', PATCH_DEPOT_SUPERVISED: '1' };
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (echo) process.stdout.write(d);
      if (out.includes(ready)) return;
      out += d.toString();
      if (out.includes(ready)) resolve(child);
    });
    child.on('exit', (code) => {
      reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`));
      // Exit 75: the daemon asks to be started again (Restart now on the settings page, a restored
      // backup), as systemd would on an appliance.
      if (!stopping && code === EXIT_RESTART && args.includes('serve')) {
        console.error(`${tag} the daemon asked for a restart; starting it again`);
        children.splice(children.indexOf(child), 1);
        start(cmd, args, ready, echo).catch(() => {});
        return;
      }
      if (!stopping) {
        console.error(
          `${tag} ${args.includes('serve') ? 'the daemon' : 'a UI bridge'} exited (${code}); stopping`,
        );
        stopAll(1);
      }
    });
  });

console.log(`${tag} building the simulated site...`);
// The built daemon when there is one (quickstart builds it), else the sources through tsx.
const daemon = existsSync(join(root, 'dist/daemon/main.js'))
  ? ['dist/daemon/main.js']
  : ['--import', 'tsx', 'daemon/main.ts'];
const dataDirPath = resolve(values['data-dir'] ?? process.env.PATCH_DEPOT_DATA_DIR ?? '.data');
mkdirSync(dataDirPath, { recursive: true });
// The managed machines trust the key the daemon logs in with (made here on first use).
const publicKey = await run(process.execPath, [
  ...daemon,
  'inventory',
  '--public-key',
  '--data-dir',
  dataDirPath,
]);
const managed = managedHosts(Number(values.managed));
const lab = await createLab(
  {
    name: values.name,
    hosts: [...officeHosts(Number(values.hosts)), ...managed],
    vendor: { payloadBytes: 256 * 1024, latencyMs: 20 },
    authorizedKeys: [publicKey.trim()],
    // The same hosts, with the same host keys, every time the demo starts: no "host key changed".
    keepIdentity: true,
  },
  { cleanupOnExit: false },
).catch((err: unknown) => {
  // A lab of that name is refused, not replaced: it may be another demo that is running.
  console.error(`${tag} ${(err as Error).message} (scripts/quickstart --lab --lab-name NAME)`);
  process.exit(1);
});
console.log(`${tag} subnet ${lab.subnet}, appliance ${lab.applianceIp} in namespace ${lab.applianceNs}`);
for (const h of lab.hosts)
  console.log(`  ${h.label.padEnd(10)} ${h.kind.padEnd(7)} ${h.ip.padEnd(14)} ${h.mac}`);

mkdirSync(LAB_STATE_DIR, { recursive: true });
const socket = join(LAB_STATE_DIR, `${values.name}-ui-${process.pid}.sock`);
// The lab's settings go in their own file (--config), so a config.json of the data dir is left alone.
// It outlives the demo: what was changed on the Settings pages is there at the next start.
const configFile = join(labKeepDir(values.name), 'config.json');
const previousSettings = (() => {
  if (!existsSync(configFile)) return undefined;
  try {
    return JSON.parse(readFileSync(configFile, 'utf8')) as unknown;
  } catch (err) {
    // Never overwritten unread: kept aside, and the lab starts from its own settings.
    const aside = `${configFile}.unreadable-${Date.now()}`;
    renameSync(configFile, aside);
    console.error(`${tag} ${configFile} could not be read (${(err as Error).message}); kept as ${aside}`);
    return undefined;
  }
})();
const labels = managed.flatMap((h) => (h.label ? [h.label] : []));
const rings = [
  { name: 'pilot', ring: 0, labels: labels.filter((l) => l.startsWith('pilot')) },
  { name: 'office', ring: 1, labels: labels.filter((l) => !l.startsWith('pilot')) },
];
mkdirSync(labKeepDir(values.name), { recursive: true, mode: 0o700 });
writeFileSync(
  configFile,
  `${JSON.stringify(mergeLabConfig(previousSettings, labDaemonConfig(lab, rings)), null, 2)}\n`,
);
const dataDir = ['--data-dir', dataDirPath, '--config', configFile];
stopAll = (code = 0, fromTerminal = false): void => {
  if (stopping) return;
  stopping = true;
  const exits = children
    .reverse()
    .map(
      (c) =>
        new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.once('exit', () => resolve()))),
    );
  const term = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  // Ctrl-C reached the children too (one process group): a SIGTERM on top would be their second
  // signal, which skips the daemon's clean stop. Only one that is still there after 10 s gets it.
  if (fromTerminal) setTimeout(term, 10_000).unref();
  else term();
  // The daemon stops its services first; then the lab goes, namespaces and host agents included.
  void Promise.all(exits)
    .then(() => lab.down())
    .then(() => {
      rmSync(socket, { force: true });
    })
    .finally(() => process.exit(code));
};
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
process.on('SIGINT', () => stopAll(0, true));
process.on('SIGTERM', () => stopAll());

try {
  await start(
    'ip',
    [
      ...['netns', 'exec', lab.applianceNs, process.execPath, ...daemon, 'serve'],
      ...['--host', '127.0.0.1', '--port', String(port), ...dataDir],
    ],
    '"msg":"listening"',
    true,
  );
  const tsx = ['--import', 'tsx', bridge];
  await start(
    'ip',
    [
      'netns',
      'exec',
      lab.applianceNs,
      process.execPath,
      ...tsx,
      'listen-unix',
      socket,
      'connect-tcp',
      `127.0.0.1:${port}`,
    ],
    'ready',
  );
  await start(process.execPath, [...tsx, 'listen-tcp', `127.0.0.1:${port}`, 'connect-unix', socket], 'ready');
  const vendor = lab.vendorInfo();
  // Assets lists addresses (these machines announce no names): say which address is which.
  const managedAt = labels.map((l) => `${l} ${lab.hosts.find((h) => h.label === l)?.ip ?? '?'}`).join(', ');
  console.log(
    demoSteps({
      tag,
      port,
      dataDir: dataDirPath,
      subnet: lab.subnet,
      managedAt,
      feedUrl: vendor.feedUrl,
      pilots: rings[0]!.labels,
      configFile,
    }),
  );
} catch (err) {
  console.error(`${tag} ${(err as Error).message}`);
  stopAll(1);
}
