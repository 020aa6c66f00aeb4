/**
 * The npm `tftp` client as a command, so a lab test can run it inside a device's namespace:
 * `node --import tsx test/support/npm-tftp-cli.ts HOST PORT FILE BLKSIZE WINDOWSIZE OUT [TIMER_MS]`.
 * Exits 1 with the client's error on stderr when the fetch fails.
 */
import { writeFile } from 'node:fs/promises';
import { npmTftpGet } from './npm-tftp.js';

const [host = '', port = '', file = '', blockSize = '', windowSize = '', out = '', timer = '0'] =
  process.argv.slice(2);
// After four unanswered retransmissions in a row the server waits for the client's own timer (up
// to 6 s, daemon/tftp/transfer.ts): a client that gives up sooner (20 x 100 ms did, at 5% loss,
// once in CI) fails a transfer the server would finish. 10 s of retries outlasts that wait.
const timing = Number(timer) ? { timeoutMs: Number(timer), retries: Math.ceil(10_000 / Number(timer)) } : {};
npmTftpGet({
  host,
  port: Number(port),
  file,
  blockSize: Number(blockSize),
  windowSize: Number(windowSize),
  ...timing,
})
  .then((bytes) => writeFile(out, bytes))
  .then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`npm tftp: ${err.message}\n`);
      process.exit(1);
    },
  );
