/**
 * One Patch Depot scan, run by the benchmark inside the lab's appliance namespace. Prints one JSON
 * line: the scan's own duration (module loading excluded) and the hosts found.
 */
import { configSchema } from '../../daemon/config.js';
import { scanSettingsFrom } from '../../daemon/discovery/discovery-service.js';
import { runScan } from '../../daemon/discovery/scanner.js';
import { expandScope } from '../../daemon/discovery/scope.js';
import { systemPorts } from '../../daemon/discovery/system-ports.js';

const [cidr = '', profile = 'sweep'] = process.argv.slice(2);
const config = configSchema.parse({ dataDir: '/nonexistent' }).discovery;
const settings = scanSettingsFrom(config);
if (profile === 'sweep') {
  // The same job as `nmap -sn`: who is up, with which MAC. No port probes, mDNS or reverse DNS.
  Object.assign(settings, { ports: [], mdns: false, reverseDns: false });
}
const ports = systemPorts();
ports.vendorOf('00:1b:a9:00:00:00'); // load the OUI table before the clock starts
const t0 = performance.now();
const found = await runScan(expandScope({ include: [cidr], exclude: [] }, 4096), ports, settings);
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, hosts: found.map((f) => ({ ip: f.ip, mac: f.mac })) })}\n`);
