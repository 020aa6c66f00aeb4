/**
 * Child process for the staging kill -9 test: stages firmware files one after another into a TFTP
 * root (from an in-process source streaming deterministic bytes in small chunks; one may stall
 * halfway) and prints `ack N` once file N is staged. The parent kills it with SIGKILL.
 */
import { systemClock } from '../../../daemon/lifecycle.js';
import { TftpRoot } from '../../../daemon/tftp/tftp-root.js';
import { memoryLogger } from '../../fakes/log.js';
import { firmwareBytes, firmwareEntry } from './stage-fixtures.js';

// `stall`: file number whose download stops halfway (a slow WAN), so the kill lands mid-file.
const [dir = '', root = '', from = '0', stall = '-1'] = process.argv.slice(2);
const files = new TftpRoot({
  root,
  dataDir: dir,
  maxSiteFileBytes: 1 << 20,
  clock: systemClock,
  log: memoryLogger(),
});
await files.start();
const source = {
  async read(file: { url: string }) {
    const n = Number(file.url.split('/').pop());
    const body = firmwareBytes(n);
    return (async function* () {
      for (let at = 0; at < body.length; at += 16 * 1024) {
        if (n === Number(stall) && at >= body.length / 2) {
          process.stdout.write(`stalled ${n}\n`);
          await new Promise(() => undefined);
        }
        yield body.subarray(at, at + 16 * 1024);
        await new Promise((r) => setImmediate(r));
      }
    })();
  },
};
const signal = new AbortController().signal;
for (let n = Number(from); ; n++) {
  await files.stage(firmwareEntry(n), source, signal);
  process.stdout.write(`ack ${n}\n`);
}
