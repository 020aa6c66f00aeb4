/**
 * In-memory DocumentSink for unit tests of the debounced writer: records what each write carried
 * (as JSON, like the real JsonFileAdapter, which serialises before it first awaits), can hold a
 * write open until the test releases it, and can fail the next writes.
 */
import type { DocumentSink } from '../../daemon/store/debounced-writer.js';

export class MemoryDocumentSink<T> implements DocumentSink<T> {
  /** Every write that completed, oldest first, as the JSON it carried. */
  readonly written: string[] = [];
  /** Writes started (completed, failed or still held). */
  started = 0;
  /** Fail this many of the next writes. */
  failNext = 0;
  /** Hold each write open until `release()`. */
  hold = false;
  private held: Array<() => void> = [];

  async write(doc: T): Promise<void> {
    const json = JSON.stringify(doc);
    this.started++;
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }
    this.written.push(json);
  }

  /** Let the writes held so far finish. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const go of held) go();
  }

  get last(): T | undefined {
    const json = this.written.at(-1);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }
}
