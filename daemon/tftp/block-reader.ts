/**
 * A file's TFTP blocks, read ahead in chunks as ready DATA packets: one `readv` fills the payloads
 * of many packets laid out header-payload-header-payload, so blocks go out from memory without a
 * read through the thread pool or a copy per block.
 *
 * Two chunk buffers per transfer, each holding a fixed run of blocks (chunk c: blocks
 * c × perChunk + 1 onwards): while the window moves through one, the next is read into the other
 * (`ahead`), so a window normally never waits for the disk. The buffers and their packet views are
 * made once and reused, so a block costs no allocation, and a chunk no fresh memory (a new
 * 256 KiB buffer is an mmap, page faults and an munmap each time). A buffer is reused only when
 * no send is still queued on the socket (`reusable`): a packet handed to the socket is never
 * overwritten while it waits to be sent; otherwise that chunk gets a fresh buffer.
 */
import type { FileHandle } from 'node:fs/promises';

const HEADER = 4;
/** A slot holds no chunk. */
const NONE = -1;

interface Slot {
  chunk: number;
  buffer: Buffer;
  /** Full-size DATA packets over `buffer`, one per block of the chunk. */
  packets: Buffer[];
}

export class BlockReader {
  /** Number of blocks in the file: the last one is short, maybe empty. */
  readonly blocks: number;
  private readonly perChunk: number;
  private readonly slots: Slot[] = [];
  /** The one read in flight, and the chunk it fills. */
  private loading: { chunk: number; done: Promise<void> } | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly blksize: number,
    readAheadBytes: number,
    /** Whether a buffer that was handed to the socket may be written again now. */
    private readonly reusable: () => boolean = () => false,
  ) {
    this.blocks = Math.floor(size / blksize) + 1;
    this.perChunk = Math.max(1, Math.floor(readAheadBytes / blksize));
  }

  private chunkOf(n: number): number {
    return Math.floor((n - 1) / this.perChunk);
  }

  /** Block `n` as a DATA packet (opcode, block number, payload) if it is in memory now. */
  cached(n: number): Buffer | undefined {
    const chunk = this.chunkOf(n);
    const slot = this.slots[0]?.chunk === chunk ? this.slots[0] : this.slots[1];
    if (slot?.chunk !== chunk) return undefined;
    const packet = slot.packets[n - 1 - chunk * this.perChunk]!;
    if (n < this.blocks) return packet;
    const last = this.size - (this.blocks - 1) * this.blksize;
    return packet.subarray(0, HEADER + last);
  }

  /**
   * The window starts at block `base`: read the chunk after base's in the background, unless it is
   * in memory, being read, or past the end. A failed read is left for `load` to meet and report.
   */
  ahead(base: number): void {
    const next = this.chunkOf(base) + 1;
    if (this.loading || next * this.perChunk + 1 > this.blocks) return;
    if (this.slots[0]?.chunk === next || this.slots[1]?.chunk === next) return;
    this.load(next * this.perChunk + 1).catch(() => {});
  }

  /** Read the chunk holding block `n` (one read at a time); a file that shrank is an error. */
  async load(n: number): Promise<void> {
    const chunk = this.chunkOf(n);
    while (this.loading) await this.loading.done.catch(() => {});
    if (this.slots.some((s) => s.chunk === chunk)) return;
    const done = this.fill(chunk);
    this.loading = { chunk, done };
    try {
      await done;
    } finally {
      this.loading = undefined;
    }
  }

  /** The slot to read chunk `chunk` into: an unused one, else the one holding the chunk farthest away. */
  private slotFor(chunk: number): Slot {
    if (this.slots.length < 2) {
      const slot = this.fresh();
      this.slots.push(slot);
      return slot;
    }
    const [a, b] = this.slots as [Slot, Slot];
    const far = (s: Slot) => (s.chunk === NONE ? Number.POSITIVE_INFINITY : Math.abs(s.chunk - chunk));
    const i = far(a) >= far(b) ? 0 : 1;
    if (!this.reusable()) this.slots[i] = this.fresh();
    return this.slots[i]!;
  }

  private fresh(): Slot {
    const stride = HEADER + this.blksize;
    const buffer = Buffer.allocUnsafeSlow(this.perChunk * stride);
    const packets = Array.from({ length: this.perChunk }, (_, i) =>
      buffer.subarray(i * stride, (i + 1) * stride),
    );
    for (const p of packets) p.writeUInt16BE(3, 0);
    return { chunk: NONE, buffer, packets };
  }

  private async fill(chunk: number): Promise<void> {
    const slot = this.slotFor(chunk);
    slot.chunk = NONE; // overwritten from here on: never served half-read
    const first = chunk * this.perChunk + 1;
    const count = Math.min(this.perChunk, this.blocks - first + 1);
    const position = (first - 1) * this.blksize;
    const want = Math.min(count * this.blksize, this.size - position);
    const payloads: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const packet = slot.packets[i]!;
      packet.writeUInt16BE((first + i) & 0xffff, 2);
      payloads.push(packet.subarray(HEADER));
    }
    const { bytesRead } = want > 0 ? await this.handle.readv(payloads, position) : { bytesRead: 0 };
    if (bytesRead < want) throw new Error(`the file shrank while being sent (${this.size} bytes expected)`);
    slot.chunk = chunk;
  }
}
