/** The data-directory lock on a real filesystem with real processes: held, refused, stale, raced. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataDirLock, LOCK_FILE, processStartTime } from '../../../daemon/store/data-dir-lock.js';
import { tempDir } from '../../temp-dir.js';

/** The pid of a process that has exited. */
const deadPid = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });

const holder = async (dir: string) => JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'));

test('a held lock refuses a second taker, naming the pid and command; release frees it', async (t) => {
  const dir = join(await tempDir(t), 'data');
  const lock = await DataDirLock.acquire(dir, 'serve');
  assert.equal((await holder(dir)).pid, process.pid);
  await assert.rejects(
    DataDirLock.acquire(dir, 'catalog sync'),
    new RegExp(`${dir} is in use by patch-depot serve \\(pid ${process.pid}, since `),
  );
  await lock.release();
  assert.deepEqual(await readdir(dir), [], 'lock and temp files gone');
  const again = await DataDirLock.acquire(dir, 'inventory');
  assert.equal((await holder(dir)).command, 'inventory');
  await again.release();
});

test('a lock left by a dead process, a reused pid or a torn write is taken over', async (t) => {
  const dir = await tempDir(t);
  const myStart = await processStartTime(process.pid);
  assert.ok(myStart, 'this test needs /proc');
  const stale = [
    JSON.stringify({ pid: await deadPid(), startTime: null, command: 'serve', since: 'x' }),
    // Our own pid, but a process that started at another time: the pid was reused.
    JSON.stringify({ pid: process.pid, startTime: `${myStart}0`, command: 'serve', since: 'x' }),
    '',
    '{"pid":',
  ];
  for (const content of stale) {
    await writeFile(join(dir, LOCK_FILE), content);
    const lock = await DataDirLock.acquire(dir, 'serve');
    assert.equal((await holder(dir)).startTime, myStart, `took over ${JSON.stringify(content)}`);
    await lock.release();
  }
});

test('release never removes a lock that another process has taken over', async (t) => {
  const dir = await tempDir(t);
  const lock = await DataDirLock.acquire(dir, 'serve');
  const successor = JSON.stringify({ pid: process.ppid, startTime: null, command: 'serve', since: 'y' });
  await writeFile(join(dir, LOCK_FILE), successor);
  await lock.release();
  assert.equal(await readFile(join(dir, LOCK_FILE), 'utf8'), successor);
});

test('takers racing for a stale lock: exactly one wins', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: await deadPid(), command: 'serve' }));
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => DataDirLock.acquire(dir, `taker ${i}`)),
  );
  const won = results.filter((r) => r.status === 'fulfilled');
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  for (const r of results)
    if (r.status === 'rejected') assert.match(String(r.reason), /is in use by patch-depot taker \d/);
});
