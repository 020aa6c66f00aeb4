/**
 * FeedParser for unit tests: runs the feed worker's tasks in this thread, each request and answer
 * passed through structuredClone as the thread boundary would. The real adapter (a worker thread
 * per task) is tested for real in test/unit/catalog/worker-feed-parser.test.ts.
 */
import { type FeedTask, runTask, type TaskAnswers } from '../../daemon/catalog/feed-tasks.js';
import type { BundleRequest, DocumentRequest, FeedParser } from '../../daemon/catalog/ports.js';

export class InProcessFeedParser implements FeedParser {
  /** Every task run, in order. */
  readonly ran: FeedTask['kind'][] = [];

  private async run(task: FeedTask): Promise<unknown> {
    this.ran.push(task.kind);
    return structuredClone(await runTask(structuredClone(task)));
  }

  document(request: DocumentRequest) {
    return this.run({ kind: 'document', request }) as Promise<TaskAnswers['document']>;
  }

  bundle(request: BundleRequest) {
    return this.run({ kind: 'bundle', request }) as Promise<TaskAnswers['bundle']>;
  }

  snapshot(feedsDir: string, feedId: string) {
    return this.run({ kind: 'snapshot', feedsDir, feedId }) as Promise<TaskAnswers['snapshot']>;
  }
}
