/**
 * Our side of the TFTP benchmark, run inside the lab's appliance namespace: the daemon's TFTP
 * service (TftpModule: server, allow-list, transfer log, counters) exactly as `serve` builds it
 * with `tftp.enabled`, without the rest of the appliance, so its memory is measured alone.
 * Prints `ready PORT`; stops cleanly on SIGTERM.
 *   serve.ts DATA_DIR ROOT ADDRESS PORT CLIENT
 */
import { configSchema } from '../../daemon/config.js';
import { createLogger } from '../../daemon/log.js';
import { TftpModule } from '../../daemon/tftp/tftp-module.js';

const [dataDir = '', root = '', address = '', port = '69', client = ''] = process.argv.slice(2);
const config = configSchema.parse({
  dataDir,
  tftp: { enabled: true, root, address, port: Number(port), clients: [client] },
});
const log = createLogger({ level: 'warn', format: 'json', sink: process.stderr });
const tftp = new TftpModule(config, { scopes: () => [] }, log);
await tftp.start();
const problems = tftp.health();
if (problems.length) {
  process.stderr.write(`${problems.map((p) => p.message).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`ready ${tftp.port}\n`);
process.once('SIGTERM', () => {
  void tftp.stop().then(() => process.exit(0));
});
