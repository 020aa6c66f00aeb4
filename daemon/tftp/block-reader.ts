/**
 * A file's TFTP blocks, read ahead in chunks as ready DATA packets: one `readv` fills the payloads
 * of many packets laid out header-payload-header-payload, so most blocks go out from memory at
 * once, without a read through the thread pool or a copy per block. Each chunk is a fresh buffer,
 * so a packet handed to the socket is never overwritten while it waits to be sent.
 */
import type { FileHandle } from 'node:fs/promises';

const HEADER = 4;

export class BlockReader {
  /** Number of blocks in the file: the last one is short, maybe empty. */
  readonly blocks: number;
  private chunk = Buffer.alloc(0);
  private first = 1;
  private count = 0;
  /** Payload bytes in the chunk's last block (the others are full). */
  private lastLength = 0;
  private readonly perChunk: number;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly blksize: number,
    readAheadBytes: number,
  ) {
    this.blocks = Math.floor(size / blksize) + 1;
    this.perChunk = Math.max(1, Math.floor(readAheadBytes / blksize));
  }

  /** Block `n` as a DATA packet (opcode, block number, payload) if it is in memory now. */
  cached(n: number): Buffer | undefined {
    const i = n - this.first;
    if (i < 0 || i >= this.count) return undefined;
    const start = i * (HEADER + this.blksize);
    const length = i === this.count - 1 ? this.lastLength : this.blksize;
    return this.chunk.subarray(start, start + HEADER + length);
  }

  /** Read the chunk that starts at block `n`; a file that shrank underneath is an error. */
  async load(n: number): Promise<void> {
    const position = (n - 1) * this.blksize;
    const count = Math.min(this.perChunk, this.blocks - n + 1);
    const want = Math.min(count * this.blksize, this.size - position);
    const chunk = Buffer.allocUnsafe(count * (HEADER + this.blksize));
    const payloads: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * (HEADER + this.blksize);
      chunk.writeUInt16BE(3, at);
      chunk.writeUInt16BE((n + i) & 0xffff, at + 2);
      payloads.push(chunk.subarray(at + HEADER, at + HEADER + this.blksize));
    }
    const { bytesRead } = want > 0 ? await this.handle.readv(payloads, position) : { bytesRead: 0 };
    if (bytesRead < want) throw new Error(`the file shrank while being sent (${this.size} bytes expected)`);
    this.chunk = chunk;
    this.first = n;
    this.count = count;
    this.lastLength = want - (count - 1) * this.blksize;
  }
}
