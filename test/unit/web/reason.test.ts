import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { plainWords, settingName } from '../../../web/views/reason.js';

test('errno codes read as words, the exact text kept as the detail', () => {
  const m = 'http://127.0.0.1:9/tracker.json: connect ECONNREFUSED 127.0.0.1:9';
  assert.deepEqual(plainWords(m), {
    text: 'http://127.0.0.1:9/tracker.json: 127.0.0.1:9: the connection was refused (nothing listens there)',
    detail: m,
  });
  assert.equal(
    plainWords('fetch failed: getaddrinfo ENOTFOUND mirror.test').text,
    'fetch failed: mirror.test: the name does not resolve',
  );
  assert.equal(plainWords('connect ETIMEDOUT [fd00::1]:22').text, '[fd00::1]:22: no answer in time');
  assert.equal(plainWords('read ECONNRESET').text, 'the connection was cut');
  assert.equal(
    plainWords("ENOSPC: no space left on device, write '/var/lib/patch-depot/x.tmp'").text,
    'the disk is full (/var/lib/patch-depot/x.tmp)',
  );
  // A code the table lacks keeps the system's own words, without the code.
  assert.equal(
    plainWords("ELOOP: too many symbolic links encountered, open '/a'").text,
    'too many symbolic links encountered (/a)',
  );
});

test('job ids leave the sentence; config keys are named as settings; plain text is untouched', () => {
  const m = '1 job failed in the last 24 h; latest: Inventory of web-1 (job-20261204T071756-2f056b): refused';
  assert.equal(plainWords(m).text, '1 job failed in the last 24 h; latest: Inventory of web-1: refused');
  assert.equal(plainWords(m).detail, m);
  assert.equal(
    plainWords('every name is taken on br0: set mdns.hostname to a free name').text,
    'every name is taken on br0: set the setting “On the LAN › hostname” to a free name',
  );
  const stale = plainWords('feed debian is stale: last synced 2026-11-23T00:00:00.000Z (2 h ago)');
  assert.doesNotMatch(stale.text, /2026-11-23T/, 'a time in the sentence reads as a local time');
  assert.match(stale.text, /^feed debian is stale: last synced \d+ Nov( 2026)? \d\d:\d\d \(2 h ago\)$/);
  assert.equal(settingName('catalog.trustedKeys'), 'the setting “Feeds › trusted keys”');
  // Not settings: a file name, a host name in a URL, an unknown path, a sentence's end.
  for (const s of [
    'tracker.json is empty',
    'http://cache.proxy.example/x failed',
    'cache.nothing.here is not a key',
    'see the cache. Then retry.',
    'updated: 8 CVEs, 14 package fixes in 3 releases',
  ]) {
    assert.deepEqual(plainWords(s), { text: s }, s);
  }
});

test('a message with a long run of blanks reads in one pass (a host step can print 64 KiB of them)', async () => {
  // The job-id pattern began with \s*: tried at every blank of a run, each try read the rest of
  // the run. A host's stderr in a deployment's reason, 100,000 blanks long, held the daemon's
  // thread 26 s per page that showed it (the systemd watchdog kills it at 30). Run in a worker,
  // so the old behaviour (about 45 minutes for this one) fails a 30 s deadline instead of hanging.
  const message = `reboot refused: exit 1 x${' '.repeat(1 << 20)}(job-20261204T071756-`;
  const code = `
    const { parentPort, workerData } = await import('node:worker_threads');
    const { plainWords } = await import(workerData.module);
    parentPort.postMessage(plainWords(workerData.message).text.length);`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { module: new URL('../../../web/views/reason.tsx', import.meta.url).href, message },
  });
  const deadline = setTimeout(() => void worker.terminate(), 30_000);
  try {
    const length = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', () =>
        reject(new Error('no answer within 30 s: the message is read more than once')),
      );
    });
    assert.equal(length, message.length);
  } finally {
    clearTimeout(deadline);
    await worker.terminate();
  }
});
