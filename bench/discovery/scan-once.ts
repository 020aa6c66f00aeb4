/**
 * One Patch Depot scan, run by the benchmark inside the lab's appliance namespace. Prints one JSON
 * line: the scan's own duration (module loading excluded) and the hosts found. Profiles:
 * - `sweep`: the same job as `nmap -sn` (who is up, with which MAC): no ports, mDNS or reverse DNS.
 * - `full`: everything, as the daemon runs it: its mDNS listener has been listening since it
 *   started (here: for one mDNS window before the clock starts, as a daemon up for 3 s would have).
 * - `full-cold`: everything, with a listener opened as the scan starts (the one-shot `discover`).
 */
import { configSchema } from '../../daemon/config.js';
import { scanSettingsFrom } from '../../daemon/discovery/discovery-service.js';
import { runScan } from '../../daemon/discovery/scanner.js';
import { expandScope, scopeRanges } from '../../daemon/discovery/scope.js';
import { systemPorts } from '../../daemon/discovery/system-ports.js';
import { createLogger } from '../../daemon/log.js';

const [cidr = '', profile = 'sweep'] = process.argv.slice(2);
const config = configSchema.parse({ dataDir: '/nonexistent' }).discovery;
const settings = scanSettingsFrom(config);
if (profile === 'sweep') Object.assign(settings, { ports: [], mdns: false, reverseDns: false });
const log = createLogger({ level: 'warn', format: 'json', sink: process.stderr });
const scope = { include: [cidr], exclude: [] };
const ports = systemPorts(() => (settings.mdns ? scopeRanges([scope]) : []), log);
ports.vendorOf('00:1b:a9:00:00:00'); // load the OUI table before the clock starts
if (profile === 'full') {
  await ports.mdns.start?.();
  await new Promise((r) => setTimeout(r, settings.mdnsWindowMs));
}
const t0 = performance.now();
if (profile === 'full-cold') await ports.mdns.start?.();
const found = await runScan(expandScope(scope, 4096), ports, settings);
const ms = performance.now() - t0;
await ports.mdns.stop?.();
process.stdout.write(`${JSON.stringify({ ms, hosts: found.map((f) => ({ ip: f.ip, mac: f.mac })) })}\n`);
