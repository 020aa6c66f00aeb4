/**
 * One read transfer: its own UDP socket (the server's TID), a window of DATA blocks in flight
 * (RFC 7440; 1 is plain RFC 1350), retransmission on timeout, and block numbers that roll over
 * from 65535 to 0 so files over 32 MB (at 512-byte blocks) go through.
 *
 * A duplicate ACK is never answered (a stream of duplicates would multiply the traffic: the
 * sorcerer's apprentice bug of RFC 1350); an ACK short of the window (the client found a gap, RFC
 * 7440) starts the next window at the first missing block, even while the window is still going
 * out. Packets from any other address or port get "unknown transfer ID" and do not disturb the
 * transfer.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import type { Negotiated } from './options.js';
import { decode, ERR, encodeError, encodeOack } from './packet.js';

export type TransferOutcome = 'complete' | 'timeout' | 'client-error' | 'read-error' | 'aborted';

export interface TransferResult {
  outcome: TransferOutcome;
  detail: string;
  /** DATA payload bytes sent, retransmissions included. */
  bytesSent: number;
  retransmits: number;
}

export interface TransferOptions {
  handle: FileHandle;
  size: number;
  peer: { address: string; port: number };
  bindAddress: string;
  negotiated: Negotiated;
  /** Give up after this long without a block acknowledged. */
  giveUpMs: number;
  /** An error reply to a stray sender, if the rate limit allows one. */
  replyError: (to: { address: string; port: number }, code: number, message: string, via: Socket) => void;
}

export class Transfer {
  private readonly socket: Socket;
  private readonly blocks: number;
  private readonly slots: Buffer[];
  private readonly slotLength: number[];
  private readonly slotBlock: number[];
  /**
   * Sends run one after another. An ACK that lands mid-window is taken at once (against the
   * blocks sent so far); the window being sent stops and the one the ACK asks for follows.
   */
  private chain: Promise<void> = Promise.resolve();
  /** First block not yet acknowledged; 0 while the OACK waits for ACK 0. */
  private base: number;
  private sentUpTo = 0;
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  private bytesSent = 0;
  private retransmits = 0;
  private finish!: (r: TransferResult) => void;
  readonly done: Promise<TransferResult>;
  private ended = false;
  /** Retransmission timeout: the client's `timeout` option if it gave one, else measured. */
  private rto: number;
  private readonly fixedTimeout: boolean;
  private srtt: number | undefined;
  /** One block being timed for the round trip (Karn: dropped when anything is resent). */
  private probe: { block: number; at: number } | undefined;
  private lastProgress = performance.now();

  constructor(private readonly o: TransferOptions) {
    const { blksize, windowsize } = o.negotiated;
    this.blocks = Math.floor(o.size / blksize) + 1;
    this.slots = Array.from({ length: Math.min(windowsize, this.blocks) }, () =>
      Buffer.allocUnsafe(4 + blksize),
    );
    this.slotLength = this.slots.map(() => 0);
    this.slotBlock = this.slots.map(() => -1);
    this.base = o.negotiated.oack ? 0 : 1;
    this.fixedTimeout = o.negotiated.oack?.has('timeout') ?? false;
    this.rto = o.negotiated.timeoutMs;
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.socket = createSocket({ type: o.peer.address.includes(':') ? 'udp6' : 'udp4' });
    this.socket.on('error', (err) => this.end('read-error', `socket: ${err.message}`));
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  async start(): Promise<TransferResult> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: this.o.bindAddress, port: 0 }, () => {
        this.socket.off('error', reject);
        resolve();
      });
    }).catch((err: Error) => this.end('read-error', `bind: ${err.message}`));
    if (!this.ended) this.pump(true);
    return this.done;
  }

  /** Stop now (server shutdown): the client hears an error, the file is closed. */
  abort(reason: string): void {
    if (this.ended) return;
    this.send(encodeError(ERR.NOT_DEFINED, reason));
    this.end('aborted', reason);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.ended) return;
    if (rinfo.address !== this.o.peer.address || rinfo.port !== this.o.peer.port) {
      this.o.replyError(rinfo, ERR.UNKNOWN_TID, 'unknown transfer ID', this.socket);
      return;
    }
    const p = decode(msg);
    if (p.kind === 'error') {
      this.end('client-error', `client sent error ${p.code}: ${p.message}`);
    } else if (p.kind === 'ack') {
      this.onAck(p.block);
    }
  }

  /** The absolute block an ACK number means: the one in [base - 1, sentUpTo] with those low 16 bits. */
  private absolute(block: number): number | undefined {
    const k = this.sentUpTo - ((this.sentUpTo - block) & 0xffff);
    return k >= this.base - 1 && k >= 0 ? k : undefined;
  }

  private onAck(block: number): void {
    const k = this.absolute(block);
    // A duplicate ACK is ignored (RFC 1123 4.2.3.1): answering it is the sorcerer's apprentice,
    // every block sent twice from then on. Real loss is the retransmission timer's job.
    if (k === undefined || k < this.base) return;
    const gap = k < this.sentUpTo;
    this.base = k + 1;
    this.retries = 0;
    this.lastProgress = performance.now();
    this.sample(k);
    if (this.base > this.blocks) {
      this.end('complete', `${this.o.size} bytes`);
      return;
    }
    if (gap) {
      // The client holds everything up to k and not k + 1 (RFC 7440: a window ends early at a
      // gap): the next window starts at k + 1, once per gap.
      this.retransmits++;
      this.probe = undefined;
    }
    this.pump(gap);
  }

  /** A round-trip sample when the timed block is acknowledged; the RTO follows (50 ms at least). */
  private sample(acked: number): void {
    if (!this.probe || acked < this.probe.block) return;
    const rtt = performance.now() - this.probe.at;
    this.probe = undefined;
    this.srtt = this.srtt === undefined ? rtt : 0.875 * this.srtt + 0.125 * rtt;
    if (!this.fixedTimeout) this.rto = Math.min(this.o.negotiated.timeoutMs, Math.max(50, 4 * this.srtt));
  }

  private async block(n: number): Promise<Buffer> {
    const { blksize } = this.o.negotiated;
    const slot = n % this.slots.length;
    const buf = this.slots[slot]!;
    if (this.slotBlock[slot] !== n) {
      const { bytesRead } = await this.o.handle.read(buf, 4, blksize, (n - 1) * blksize);
      buf.writeUInt16BE(3, 0);
      buf.writeUInt16BE(n & 0xffff, 2);
      this.slotLength[slot] = 4 + bytesRead;
      this.slotBlock[slot] = n;
    }
    return buf.subarray(0, this.slotLength[slot]);
  }

  /**
   * Send the window: from its first block when `resend`, else only blocks not sent yet (the
   * window slid on an ACK). The timer restarts after every send.
   */
  private pump(resend: boolean): void {
    this.chain = this.chain.then(() => this.sendWindow(resend));
  }

  private async sendWindow(resend: boolean): Promise<void> {
    if (this.ended) return;
    this.clearTimer();
    try {
      if (this.base === 0) {
        this.send(encodeOack(this.o.negotiated.oack!));
      } else {
        const base = this.base;
        const last = Math.min(base + this.o.negotiated.windowsize - 1, this.blocks);
        const from = resend ? base : Math.max(base, this.sentUpTo + 1);
        for (let n = from; n <= last && !this.ended; n++) {
          const packet = await this.block(n);
          // An ACK came in while the block was read: the window it sent for comes next.
          if (this.base !== base) return;
          if (n > this.sentUpTo && !resend && !this.probe) this.probe = { block: n, at: performance.now() };
          this.bytesSent += packet.length - 4;
          this.send(packet);
          // Kept per block, so an ACK that lands mid-window is read against what was really sent.
          this.sentUpTo = Math.max(this.sentUpTo, n);
        }
      }
    } catch (err) {
      this.send(encodeError(ERR.NOT_DEFINED, 'read error'));
      this.end('read-error', (err as Error).message);
      return;
    }
    if (!this.ended) this.arm();
  }

  /**
   * The retransmission timer: the RTO, doubled for each retransmission in a row, up to 8 × the
   * configured timeout. The growing silence matters: a client that re-ACKs a duplicate only once
   * (atftp) resends its ACK only when its own timer (5 s) sees nothing arrive. The transfer is
   * given up when no block has been acknowledged for `giveUpMs`.
   */
  private arm(): void {
    const cap = 8 * this.o.negotiated.timeoutMs;
    const delay = Math.min(cap, this.rto * 2 ** Math.min(this.retries, 16));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.ended) return;
      const stalled = performance.now() - this.lastProgress;
      if (stalled > this.o.giveUpMs) {
        this.send(encodeError(ERR.NOT_DEFINED, 'timed out'));
        this.end('timeout', `no progress for ${Math.round(stalled / 1000)} s`);
        return;
      }
      this.retries++;
      this.retransmits++;
      this.probe = undefined;
      this.pump(true);
    }, delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(packet: Buffer): void {
    if (this.ended) return;
    this.socket.send(packet, this.o.peer.port, this.o.peer.address, (err) => {
      if (err) this.end('read-error', `send: ${err.message}`);
    });
  }

  private end(outcome: TransferOutcome, detail: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimer();
    // Let an error reply already queued leave before the socket closes.
    setImmediate(() => {
      try {
        this.socket.close();
      } catch {
        // already closed
      }
    });
    void this.o.handle.close().catch(() => {});
    this.finish({ outcome, detail, bytesSent: this.bytesSent, retransmits: this.retransmits });
  }
}
