/**
 * The lines of an apt index as it streams, for reading hashes without ever holding the whole
 * inflated text (an index is up to `cache.maxIndexMB`, and a decompression bomb reaches that cap
 * in a few KB). Memory is one chunk plus one line: a line longer than `maxLine` is skipped whole
 * (no field the cache reads is that long: a path, a size, a SHA256), so a stream with no line
 * breaks at all (gigabytes of zeros) holds no more than a line's worth. A run of empty lines
 * comes out as one (no index tells them apart), so gigabytes of line breaks cost a scan, not a
 * string per byte.
 */

/** Longest line kept: far past any Filename, Size or SHA256 line apt writes. */
export const MAX_INDEX_LINE = 64 * 1024;

const NL = 0x0a;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carried = 0;
  /** The line being read has passed `maxLine`: its bytes are dropped until its line break. */
  private overlong = false;
  /** The last line given out was empty. */
  private blank = false;

  constructor(private readonly maxLine = MAX_INDEX_LINE) {}

  /** The lines `chunk` completes, each without its line break. */
  push(chunk: Uint8Array): string[] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: string[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(NL); nl !== -1; nl = bytes.indexOf(NL, start)) {
      const line = this.take(bytes.subarray(start, nl));
      if (line !== undefined && !(line === '' && this.blank)) out.push(line);
      if (line !== undefined) this.blank = line === '';
      start = nl + 1;
      if (this.blank) while (bytes[start] === NL) start++;
    }
    this.keep(bytes.subarray(start));
    return out;
  }

  /** The last line, when the stream did not end with a line break. */
  end(): string[] {
    const line = this.take(Buffer.alloc(0));
    return line ? [line] : [];
  }

  private take(tail: Buffer): string | undefined {
    const keep = !this.overlong && this.carried + tail.length <= this.maxLine;
    const line = keep
      ? (this.carried ? Buffer.concat([...this.carry, tail]) : tail).toString('utf8')
      : undefined;
    this.carry = [];
    this.carried = 0;
    this.overlong = false;
    return line;
  }

  private keep(rest: Buffer): void {
    if (rest.length === 0 || this.overlong) return;
    if (this.carried + rest.length > this.maxLine) {
      this.overlong = true;
      this.carry = [];
      this.carried = 0;
      return;
    }
    // A copy: a slice would keep the whole chunk alive for a few bytes of it.
    this.carry.push(Buffer.from(rest));
    this.carried += rest.length;
  }
}
