/**
 * The one debounced durable writer, on mocked timers (no sleeps) with an in-memory sink; the real
 * sink (JsonFileAdapter) is tested through the state, asset and cache stores and their kill -9 tests.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { DepotError } from '../../../daemon/errors.js';
import { DebouncedWriter, type DebouncedWriterOptions } from '../../../daemon/store/debounced-writer.js';
import { memoryLogger } from '../../fakes/log.js';
import { MemoryDocumentSink } from '../../fakes/memory-document-sink.js';

interface Doc {
  items: number[];
}

/** Let every promise that can settle now settle (one turn of the real event loop, no waiting). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const watch = (p: Promise<void>) => {
  const seen: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => {
      seen.state = 'resolved';
    },
    (error: unknown) => {
      Object.assign(seen, { state: 'rejected', error });
    },
  );
  return seen;
};

const setup = (t: TestContext, opts: Partial<DebouncedWriterOptions<Doc>> = {}) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const doc: Doc = { items: [] };
  const sink = new MemoryDocumentSink<Doc>();
  const log = memoryLogger();
  const writer = new DebouncedWriter<Doc>({
    sink,
    snapshot: () => doc,
    debounceMs: 100,
    maxDelayMs: 1000,
    name: 'test doc',
    log,
    ...opts,
  });
  const add = (n: number, withinMs?: number) => {
    doc.items.push(n);
    return watch(writer.changed(withinMs));
  };
  const tick = async (ms: number) => {
    t.mock.timers.tick(ms);
    await settle();
  };
  return { sink, log, writer, add, tick };
};

test('a burst of changes becomes one write once it has been quiet for debounceMs', async (t) => {
  const { sink, add, tick } = setup(t);
  const acks = [];
  for (let i = 0; i < 5; i++) {
    acks.push(add(i));
    await tick(50);
  }
  await tick(49); // 99 ms after the last change
  assert.equal(sink.started, 0, 'each change postponed the write');
  await tick(1);
  assert.deepEqual(
    sink.written.map((j) => JSON.parse(j)),
    [{ items: [0, 1, 2, 3, 4] }],
  );
  assert.ok(acks.every((a) => a.state === 'resolved'));
});

test('a steady stream of changes is still written maxDelayMs after the first unwritten one', async (t) => {
  const { sink, add, tick } = setup(t);
  const first = add(0);
  for (let n = 1; n < 20; n++) {
    await tick(50);
    add(n);
  }
  await tick(49); // 999 ms: the debounce alone would wait forever
  assert.equal(sink.started, 0);
  assert.equal(first.state, 'pending');
  await tick(1);
  assert.equal(sink.written.length, 1);
  assert.equal(sink.last?.items.length, 20);
  assert.equal(first.state, 'resolved');
});

test('a change may ask to be written sooner than the debounce', async (t) => {
  const { sink, add, tick } = setup(t);
  add(1);
  const urgent = add(2, 10);
  await tick(9);
  assert.equal(sink.started, 0);
  await tick(1);
  assert.deepEqual(sink.last, { items: [1, 2] });
  assert.equal(urgent.state, 'resolved');
});

test('flush() writes now and resolves only once a write taken after the change is durable', async (t) => {
  const { sink, writer, add } = setup(t);
  sink.hold = true;
  const one = add(1);
  const flushOne = watch(writer.flush());
  await settle();
  assert.equal(sink.started, 1, 'written without waiting for the debounce');
  const two = add(2); // arrives while the first write is on its way to disk
  const flushTwo = watch(writer.flush());
  await settle();
  assert.equal(sink.started, 1, 'one write at a time');
  sink.release();
  await settle();
  assert.equal(one.state, 'resolved');
  assert.equal(flushOne.state, 'resolved');
  assert.equal(two.state, 'pending', 'the first write did not carry change 2');
  assert.equal(flushTwo.state, 'pending');
  assert.equal(sink.started, 2);
  sink.release();
  await settle();
  assert.equal(two.state, 'resolved');
  assert.equal(flushTwo.state, 'resolved');
  assert.deepEqual(sink.last, { items: [1, 2] });
  await writer.flush();
  assert.equal(sink.started, 2, 'nothing pending: no write');
});

test('a failed write rejects its waiters and keeps the change for the next write', async (t) => {
  const { sink, log, writer, add, tick } = setup(t);
  sink.failNext = 1;
  const lost = add(1);
  await tick(100);
  assert.equal(lost.state, 'rejected');
  assert.match(String(lost.error), /ENOSPC/);
  assert.ok(log.lines.some((l) => l.level === 'error' && l.msg === 'test doc write failed; will retry'));
  const next = add(2);
  await tick(100);
  assert.equal(next.state, 'resolved');
  assert.deepEqual(sink.last, { items: [1, 2] }, 'the next change wrote the failed one too');

  sink.failNext = 1;
  const three = add(3);
  const flushed = watch(writer.flush());
  await settle();
  assert.equal(flushed.state, 'rejected', 'flush() does not report a failed write as durable');
  assert.equal(three.state, 'rejected');
});

test('a failed write is retried without a new change, backing off while it keeps failing', async (t) => {
  const { sink, add, tick } = setup(t, { retryMs: 1000 });
  sink.failNext = 3;
  add(1);
  await tick(100);
  assert.equal(sink.started, 1);
  await tick(999);
  assert.equal(sink.started, 1);
  await tick(1);
  assert.equal(sink.started, 2, 'retried after retryMs');
  await tick(1999);
  assert.equal(sink.started, 2);
  await tick(1);
  assert.equal(sink.started, 3, 'then after twice as long');
  await tick(4000);
  assert.equal(sink.started, 4);
  assert.deepEqual(sink.last, { items: [1] });
  await tick(60_000);
  assert.equal(sink.started, 4, 'no retries once written');
});

test('stop() writes what is pending; later changes stay in memory and say so', async (t) => {
  const { sink, writer, add, tick } = setup(t, { debounceMs: 60_000, maxDelayMs: 60_000 });
  const pending = add(1);
  await writer.stop();
  assert.equal(pending.state, 'resolved');
  assert.deepEqual(sink.last, { items: [1] });
  const late = add(2);
  writer.mark();
  await tick(120_000);
  assert.equal(late.state, 'rejected');
  assert.ok(late.error instanceof DepotError && late.error.code === 'UNAVAILABLE');
  assert.match((late.error as Error).message, /test doc is stopped/);
  assert.equal(sink.started, 1);
});

test('stop() rejects when the final write fails, and leaves no retry behind', async (t) => {
  const { sink, writer, add, tick } = setup(t);
  sink.failNext = 1;
  const change = add(1);
  await assert.rejects(writer.stop(), /ENOSPC/);
  assert.equal(change.state, 'rejected');
  await tick(120_000);
  assert.equal(sink.started, 1);
});
