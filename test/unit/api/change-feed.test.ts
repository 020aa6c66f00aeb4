/**
 * The change feed: since=0 is everything, then each change once, oldest first, nothing missed;
 * numbers only grow, across a restart and past changes made while the daemon was down; too-old,
 * future and unwritable cases are refused rather than answered wrongly. A manual clock and a
 * map standing in for the hosts; the file is real.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChangeFeed, type ChangesAnswer } from '../../../daemon/api/change-feed.js';
import type { DepotError } from '../../../daemon/errors.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const feedOn = async (
  file: string,
  hosts: Map<string, string>,
  clock: ManualClock,
  maxTombstones?: number,
) => {
  const feed = new ChangeFeed({
    file,
    source: { digests: async () => new Map(hosts) },
    log: memoryLogger(),
    clock,
    minIntervalMs: 10_000,
    ...(maxTombstones === undefined ? {} : { maxTombstones }),
  });
  await feed.start();
  return feed;
};

const changes = (a: ChangesAnswer) => {
  assert.equal(a.kind, 'changes');
  return a.kind === 'changes' ? a : assert.fail();
};
const ids = (a: ChangesAnswer) => changes(a).items.map((e) => `${e.id}${e.digest === null ? ' (gone)' : ''}`);

test('since=0 is everything; then only what changed, each once, oldest change first', async (t) => {
  const clock = new ManualClock();
  const hosts = new Map([
    ['h-a', '1'],
    ['h-b', '1'],
    ['h-c', '1'],
  ]);
  const feed = await feedOn(join(await tempDir(t), 'changes.json'), hosts, clock);
  const full = changes(await feed.since(0, 100));
  assert.deepEqual(ids(full), ['h-a', 'h-b', 'h-c']);
  assert.equal(full.next, feed.head());
  assert.equal(full.more, false);

  hosts.set('h-b', '2');
  hosts.delete('h-a');
  hosts.set('h-d', '1');
  hosts.set('h-c', '2');
  await clock.advance(10_000);
  assert.deepEqual(ids(await feed.since(full.next, 100)), ['h-b', 'h-c', 'h-d', 'h-a (gone)']);
  // h-b changes again: it moves to the end, and a console that saw the last page gets only it.
  const seen = feed.head();
  hosts.set('h-b', '3');
  await clock.advance(10_000);
  assert.deepEqual(ids(await feed.since(seen, 100)), ['h-b']);
  assert.deepEqual(ids(await feed.since(0, 100)), ['h-c', 'h-d', 'h-a (gone)', 'h-b'], 'each entity once');
});

test('pages of a big pull: `more` and `next` walk it without gaps or repeats', async (t) => {
  const hosts = new Map(Array.from({ length: 25 }, (_, i) => [`h-${String(i).padStart(2, '0')}`, 'x']));
  const feed = await feedOn(join(await tempDir(t), 'changes.json'), hosts, new ManualClock());
  const got: string[] = [];
  let since = 0;
  for (;;) {
    const page = changes(await feed.since(since, 10));
    got.push(...page.items.map((e) => e.id));
    since = page.next;
    if (!page.more) break;
  }
  assert.deepEqual(got, [...hosts.keys()]);
  assert.equal(since, feed.head());
});

test('after a restart the numbers go on, and what changed while it was down is found at once', async (t) => {
  const file = join(await tempDir(t), 'changes.json');
  const clock = new ManualClock();
  const hosts = new Map([
    ['h-a', '1'],
    ['h-b', '1'],
  ]);
  const before = await feedOn(file, hosts, clock);
  const pulled = changes(await before.since(0, 100)).next;
  await before.stop();

  hosts.set('h-a', '2');
  hosts.set('h-c', '1');
  const after = await feedOn(file, hosts, clock);
  assert.equal(after.head(), pulled, 'the numbering is where it was');
  const next = changes(await after.since(pulled, 100));
  assert.deepEqual(ids(next), ['h-a', 'h-c']);
  assert.ok(
    next.items.every((e) => e.seq > pulled),
    'numbers only grow',
  );
  assert.equal(next.epoch, changes(await after.since(0, 1)).epoch);
});

test('a since from the future is refused; one below the floor of kept tombstones is gone', async (t) => {
  const clock = new ManualClock();
  const hosts = new Map(['a', 'b', 'c', 'd'].map((id) => [id, '1']));
  const feed = await feedOn(join(await tempDir(t), 'changes.json'), hosts, clock, 2);
  const start = changes(await feed.since(0, 100)).next;
  await assert.rejects(
    feed.since(start + 1, 100),
    (err: DepotError) => err.code === 'BAD_INPUT' && /^since: \d+ is from the future/.test(err.message),
  );
  for (const id of ['a', 'b', 'c']) hosts.delete(id);
  await clock.advance(10_000);
  const gone = await feed.since(start, 100);
  assert.equal(gone.kind, 'gone', 'a tombstone it would need was dropped');
  assert.deepEqual(ids(await feed.since(0, 100)), ['d', 'b (gone)', 'c (gone)']);
});

test('a lost or damaged file starts a numbering above every number handed out before', async (t) => {
  const file = join(await tempDir(t), 'changes.json');
  const clock = new ManualClock();
  const hosts = new Map([['h-a', '1']]);
  const old = changes(await (await feedOn(file, hosts, clock)).since(0, 10));
  await writeFile(file, '{"version":1,"torn');
  await clock.advance(1000);
  const fresh = await feedOn(file, hosts, clock);
  assert.equal((await fresh.since(old.next, 10)).kind, 'gone', 'a console behind is told to pull again');
  const full = changes(await fresh.since(0, 10));
  assert.deepEqual(ids(full), ['h-a']);
  assert.notEqual(full.epoch, old.epoch);
  assert.ok(full.next > old.next);
});

test('changes are looked for at most every interval; a number is handed out only once it is on disk', async (t) => {
  const dir = await tempDir(t);
  const clock = new ManualClock();
  const hosts = new Map([['h-a', '1']]);
  const feed = await feedOn(join(dir, 'changes.json'), hosts, clock);
  const first = changes(await feed.since(0, 10)).next;
  hosts.set('h-a', '2');
  assert.deepEqual(ids(await feed.since(first, 10)), [], 'within the interval: the last look stands');
  await clock.advance(10_000);
  assert.deepEqual(ids(await feed.since(first, 10)), ['h-a']);

  // A feed whose file cannot be written hands out nothing.
  const stuck = await feedOn(join(dir, 'gone', 'changes.json'), hosts, clock);
  await writeFile(join(dir, 'gone'), 'a file where its folder should be');
  const head = stuck.head();
  await assert.rejects(stuck.since(0, 10));
  assert.equal(stuck.head(), head);
});
