/**
 * The real FeedParser: each task runs in its own worker thread (feed-worker.ts), so parsing a big
 * feed uses another core and never blocks the event loop, and the worker's memory goes back when
 * it ends. The worker's heap is capped: a feed too big to parse fails alone, with a message naming
 * the setting, instead of taking the appliance's memory.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { DepotError } from '../errors.js';
import {
  type FeedTask,
  fromFailure,
  holdersOf,
  MORE,
  packedFrom,
  type TaskAnswers,
  type WorkerMessage,
} from './feed-tasks.js';
import type { AptIndexesRequest } from './feeds/apt-packages.js';
import type { Advisory, FeedContent } from './model.js';
import type { PackedFeed } from './packed-feed.js';
import type { BundleRequest, DocumentRequest, FeedParser } from './ports.js';

export interface WorkerFeedParserOptions {
  /** Heap limit of each worker (`catalog.workerMemoryMB`); absent = Node's default. */
  memoryMB?: number | undefined;
}

/**
 * The built worker beside this file in `dist/`; under tsx (tests, `npm run dev`) the .ts source,
 * with tsx registered inside the worker first: Node 20 workers do not inherit the loader.
 */
const startWorker = (options: WorkerOptions): Worker => {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./feed-worker.js', import.meta.url), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./feed-worker.ts', import.meta.url).href);
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`;
  return new Worker(boot, { ...options, eval: true });
};

/**
 * The bytes a task carries move to the worker instead of being copied when they are a whole
 * ArrayBuffer of their own (a fetched body, an upload): copying 50 MB holds the event loop for
 * a noticeable while, moving it costs nothing. Pooled or shared bytes are copied.
 */
const handOver = (task: FeedTask): ArrayBuffer[] => {
  const all =
    task.kind === 'document'
      ? [task.request.body]
      : task.kind === 'bundle'
        ? [task.request.zip]
        : task.kind === 'apt'
          ? task.request.indexes.map((i) => i.bytes)
          : [];
  const whole = all.filter(
    (bytes) =>
      bytes.buffer instanceof ArrayBuffer &&
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength,
  );
  return [...new Set(whole.map((bytes) => bytes.buffer as ArrayBuffer))];
};

/**
 * About what parsing apt indexes takes of the worker's heap: each package (a stanza) some 1.25 KiB
 * of maps and records, plus the text (400,000 short stanzas, 27 MB of text: some 500 MB). Index
 * sets past three quarters of the worker's heap are refused before they are parsed: a worker that
 * runs out of memory in one big step takes V8's fatal error, and the daemon with it (seen at 64 MiB),
 * instead of its own out-of-memory error. Debian's main/amd64 (64,000 packages, 45 MB): ~125 MiB.
 */
const aptParseBytes = (request: AptIndexesRequest): number => {
  let bytes = 0;
  let stanzas = 0;
  for (const { bytes: b } of request.indexes) {
    bytes += b.byteLength;
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    for (let at = buf.indexOf('\n\n'); at !== -1; at = buf.indexOf('\n\n', at + 2)) stanzas++;
    stanzas++;
  }
  return stanzas * 1280 + bytes;
};

const describe = (task: FeedTask): string => {
  switch (task.kind) {
    case 'document':
      return `parsing the ${task.request.kind} document`;
    case 'bundle':
      return 'reading the bundle';
    case 'apt':
      return `parsing the ${task.request.what} indexes`;
    case 'snapshot':
      return `loading the ${task.feedId} snapshot`;
  }
};

export class WorkerFeedParser implements FeedParser {
  constructor(private readonly opts: WorkerFeedParserOptions = {}) {}

  document(request: DocumentRequest, signal?: AbortSignal) {
    return this.run({ kind: 'document', request }, signal) as Promise<TaskAnswers['document']>;
  }

  bundle(request: BundleRequest, signal?: AbortSignal) {
    return this.run({ kind: 'bundle', request }, signal) as Promise<TaskAnswers['bundle']>;
  }

  aptIndexes(request: AptIndexesRequest, signal?: AbortSignal) {
    const memoryMB = this.opts.memoryMB;
    const needs = aptParseBytes(request);
    if (memoryMB && needs > memoryMB * 0.75 * 2 ** 20)
      return Promise.reject(
        new DepotError(
          'BAD_INPUT',
          `parsing the ${request.what} indexes needs more than ${memoryMB} MiB of memory (catalog.workerMemoryMB): about ${Math.ceil(needs / 2 ** 20)} MiB for their packages`,
        ),
      );
    return this.run({ kind: 'apt', request }, signal) as Promise<TaskAnswers['apt']>;
  }

  snapshot(feedsDir: string, feedId: string, signal?: AbortSignal) {
    return this.run({ kind: 'snapshot', feedsDir, feedId }, signal) as Promise<TaskAnswers['snapshot']>;
  }

  private run(task: FeedTask, signal?: AbortSignal): Promise<unknown> {
    signal?.throwIfAborted();
    const memoryMB = this.opts.memoryMB;
    const worker = startWorker({
      workerData: task,
      transferList: handOver(task),
      ...(memoryMB ? { resourceLimits: { maxOldGenerationSizeMb: memoryMB } } : {}),
    });
    const received: Advisory[][] = [];
    const packed: PackedFeed[] = [];
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, answer?: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void worker.terminate();
        if (err) reject(err);
        else resolve(answer);
      };
      const onAbort = () => settle(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'advisories') {
          received[m.content] ??= [];
          for (const a of m.batch) received[m.content]!.push(a);
          worker.postMessage(MORE);
        } else if (m.type === 'packed') {
          packed[m.content] = packedFrom(m);
        } else if (m.type === 'done') {
          for (const [i, holder] of holdersOf(task.kind, m.answer).entries())
            if (packed[i]) holder.content = packed[i];
            else (holder.content as FeedContent).advisories = received[i] ?? [];
          settle(undefined, m.answer);
        } else {
          settle(fromFailure(m));
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        settle(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY' && memoryMB
            ? new DepotError(
                'BAD_INPUT',
                `${describe(task)} needs more than ${memoryMB} MiB of memory (catalog.workerMemoryMB)`,
                { cause: err },
              )
            : err,
        );
      });
      worker.on('exit', (code) => {
        settle(
          new DepotError('UNAVAILABLE', `the feed worker stopped (exit ${code}) while ${describe(task)}`),
        );
      });
    });
  }
}
