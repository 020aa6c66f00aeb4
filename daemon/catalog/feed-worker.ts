/**
 * The feed worker thread's entry: runs the one task it was started with (feed-tasks.ts), sends
 * the advisories back a batch at a time as the main thread asks for them, then the rest of the
 * answer. Started by worker-feed-parser.ts; never imported by the main thread.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import {
  batches,
  type FeedTask,
  failure,
  holdersOf,
  MORE,
  packedMessage,
  runTask,
  type WorkerMessage,
} from './feed-tasks.js';
import type { FeedContent } from './model.js';

const serve = async (port: MessagePort, task: FeedTask): Promise<void> => {
  let asked: (() => void) | undefined;
  port.on('message', (m: unknown) => {
    if (m === MORE) asked?.();
  });
  const send = (m: WorkerMessage) => port.postMessage(m);
  try {
    const answer = await runTask(task);
    for (const [index, holder] of holdersOf(task.kind, answer).entries()) {
      const packed = packedMessage(holder, index);
      if (packed) {
        port.postMessage(packed.message, packed.transfer);
        continue;
      }
      const content = holder.content as FeedContent;
      const all = content.advisories;
      content.advisories = [];
      for (const batch of batches(all)) {
        const more = new Promise<void>((resolve) => {
          asked = resolve;
        });
        send({ type: 'advisories', content: index, batch });
        await more;
      }
    }
    send({ type: 'done', answer });
  } catch (err) {
    send(failure(err));
  }
};

if (parentPort) void serve(parentPort, workerData as FeedTask);
