/**
 * FeedParser for unit tests: runs the feed worker's tasks in this thread, each request and answer
 * passed through structuredClone as the thread boundary would, a packed feed as the worker sends
 * it (packedMessage, packedFrom). The real adapter (a worker thread per task) is tested for real
 * in test/integration/catalog/worker-feed-parser.test.ts.
 */
import {
  type FeedTask,
  holdersOf,
  packedFrom,
  packedMessage,
  runTask,
  type TaskAnswers,
} from '../../daemon/catalog/feed-tasks.js';
import type { AptIndexesRequest } from '../../daemon/catalog/feeds/apt-packages.js';
import type { BundleRequest, DocumentRequest, FeedParser } from '../../daemon/catalog/ports.js';

export class InProcessFeedParser implements FeedParser {
  /** Every task run, in order. */
  readonly ran: FeedTask['kind'][] = [];

  private async run(task: FeedTask): Promise<unknown> {
    this.ran.push(task.kind);
    const answer = await runTask(structuredClone(task));
    const packed = holdersOf(task.kind, answer).map((holder, i) => packedMessage(holder, i)?.message);
    const copy = structuredClone(answer);
    for (const [i, holder] of holdersOf(task.kind, copy).entries()) {
      const m = structuredClone(packed[i]);
      if (m?.type === 'packed') holder.content = packedFrom(m);
    }
    return copy;
  }

  document(request: DocumentRequest) {
    return this.run({ kind: 'document', request }) as Promise<TaskAnswers['document']>;
  }

  bundle(request: BundleRequest) {
    return this.run({ kind: 'bundle', request }) as Promise<TaskAnswers['bundle']>;
  }

  aptIndexes(request: AptIndexesRequest) {
    return this.run({ kind: 'apt', request }) as Promise<TaskAnswers['apt']>;
  }

  snapshot(feedsDir: string, feedId: string) {
    return this.run({ kind: 'snapshot', feedsDir, feedId }) as Promise<TaskAnswers['snapshot']>;
  }
}
