/**
 * A file's TFTP blocks, read ahead in chunks: most blocks come from memory at once instead of one
 * read through the thread pool per block. Each chunk is a fresh buffer, so a block handed to the
 * socket is never overwritten while it waits to be sent.
 */
import type { FileHandle } from 'node:fs/promises';

export class BlockReader {
  /** Number of blocks in the file: the last one is short, maybe empty. */
  readonly blocks: number;
  private chunk = Buffer.alloc(0);
  private first = 1;
  private count = 0;
  private readonly chunkBytes: number;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly blksize: number,
    readAheadBytes: number,
  ) {
    this.blocks = Math.floor(size / blksize) + 1;
    this.chunkBytes = Math.max(1, Math.floor(readAheadBytes / blksize)) * blksize;
  }

  /** Block `n`'s payload if it is in memory now. */
  cached(n: number): Buffer | undefined {
    const i = n - this.first;
    if (i < 0 || i >= this.count) return undefined;
    return this.chunk.subarray(i * this.blksize, Math.min((i + 1) * this.blksize, this.chunk.length));
  }

  /** Read the chunk that starts at block `n`; a file that shrank underneath is an error. */
  async load(n: number): Promise<void> {
    const position = (n - 1) * this.blksize;
    const want = Math.min(this.chunkBytes, this.size - position);
    const chunk = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.handle.read(chunk, 0, want, position);
    if (bytesRead < want) throw new Error(`the file shrank while being sent (${this.size} bytes expected)`);
    this.chunk = chunk;
    this.first = n;
    // The chunk that reaches the end holds the last block too, even when that one is empty.
    this.count = position + want === this.size ? this.blocks - n + 1 : want / this.blksize;
  }
}
