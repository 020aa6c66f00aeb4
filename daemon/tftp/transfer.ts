/**
 * One read transfer: its own UDP socket (the server's TID), a window of DATA blocks in flight
 * (RFC 7440; 1 is plain RFC 1350), retransmission on timeout, and block numbers that roll over
 * from 65535 to 0 so files over 32 MB (at 512-byte blocks) go through.
 *
 * An ACK short of what was sent reports a gap, and the next window starts at the first missing
 * block (RFC 7440); a duplicate ACK is never answered, so duplicates cannot multiply the traffic
 * (the sorcerer's apprentice of RFC 1350, RFC 1123 4.2.3.1). The socket is connected to the
 * client, as tftpd-hpa's is: the kernel then delivers only the client's packets and skips a route
 * lookup per DATA packet, and a packet from any other address or port never reaches the transfer
 * (the kernel answers it with ICMP port unreachable, rate-limited, instead of RFC 1350's "unknown
 * transfer ID"). Blocks are read ahead in chunks (block-reader.ts), so a window normally goes out
 * without waiting for the disk.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { BlockReader } from './block-reader.js';
import type { Negotiated } from './options.js';
import { decode, ERR, encodeError, encodeOack, OP } from './packet.js';

export type TransferOutcome = 'complete' | 'timeout' | 'client-error' | 'read-error' | 'aborted';

export interface TransferResult {
  outcome: TransferOutcome;
  detail: string;
  /** DATA payload bytes sent, retransmissions included. */
  bytesSent: number;
  /** Windows sent again: on a gap the client reported, or when the timer ran out. */
  retransmits: number;
  /** Of those, the ones the timer sent (no ACK came in time). */
  timeouts: number;
}

export interface TransferOptions {
  handle: FileHandle;
  size: number;
  peer: { address: string; port: number };
  bindAddress: string;
  negotiated: Negotiated;
  /** Give up after this long without a block acknowledged. */
  giveUpMs: number;
  /** Read the file this much at a time (default 256 KiB, at least two windows). */
  readAheadBytes?: number;
}

/** Read the file this much at a time (at least two windows). */
const READ_AHEAD_BYTES = 256 * 1024;
/** Just over the 5 s most TFTP clients wait before they ACK again. */
const CLIENT_TIMER_MS = 6000;
/**
 * The retransmission timeout before a round trip is measured (TCP's initial RTO, RFC 6298): a
 * client's `timeout` option may ask for up to 255 s, and a lost OACK would wait that long.
 */
const INITIAL_RTO_MS = 1000;
/** A repeated request is answered at most this often (it costs its sender 30 bytes, us a block). */
const REPEAT_GAP_MS = 250;

export class Transfer {
  private readonly socket: Socket;
  private readonly blocks: number;
  private readonly reader: BlockReader;
  /** A chunk is being read; a pump asked for meanwhile runs after it (resend if any asked for it). */
  private reading = false;
  private pending: boolean | undefined;
  /** When the retransmission timer is due, and when the one set fires (at or before it). */
  private dueAt = 0;
  private timerAt = 0;
  /** First block not yet acknowledged; 0 while the OACK waits for ACK 0. */
  private base: number;
  private sentUpTo = 0;
  /**
   * The highest block sent when the window was last resent on a gap ACK: blocks up to here the
   * client may now get twice. A short ACK for one of them only slides the window: it may answer
   * a copy that resend caused (atftp ACKs its last block on any out-of-order one), and resending
   * on it again would feed itself, a windowed sorcerer's apprentice where one duplicated DATA
   * packet costs the rest of every window after it. A gap there is left to the timer; a gap past
   * it (blocks sent once) is resent at once.
   */
  private copiesUpTo = -1;
  /**
   * Short ACKs in a row, each for the first block not yet acknowledged and with no timeout between
   * them: a client that ACKs every block as it arrives (no RFC 7440 gap, the rest of the window is
   * on its way). After three its short ACKs only slide the window for the rest of the transfer
   * (loss is the timer's, as for a plain RFC 1350 client): taken for gaps they sent every window
   * twice. A client reporting gaps on a lossy link has a timeout between its short ACKs.
   */
  private shortRun = 0;
  private acksEach = false;
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  private bytesSent = 0;
  private retransmits = 0;
  private timeouts = 0;
  private finish!: (r: TransferResult) => void;
  readonly done: Promise<TransferResult>;
  private ended = false;
  /**
   * Retransmission timeout: measured, never longer than the client's `timeout` option (RFC 2349)
   * or the configured one. curl always asks for one (its re-ACK interval, 5-6 s; lib/tftp.c,
   * tftp_send_first, "add timeout option"): waiting that long for every lost DATA block would
   * make a lossy LAN fetch take hours, and curl ACKs every duplicate block anyway.
   */
  private rto: number;
  private srtt: number | undefined;
  /** One block being timed for the round trip (Karn: dropped when anything is resent). */
  private probeBlock = 0;
  private probeAt = 0;
  private lastProgress = performance.now();
  private lastRepeatAt = -Infinity;
  /** The client's port answered ICMP port unreachable at least once. */
  private unreachable = false;
  /** Sends need the connected socket: nothing goes out before it is. */
  private connected = false;

  constructor(private readonly o: TransferOptions) {
    const { blksize, windowsize } = o.negotiated;
    const readAhead = o.readAheadBytes ?? Math.max(READ_AHEAD_BYTES, 2 * windowsize * blksize);
    // A chunk's buffer is read into again only when no packet of it waits in the socket's queue
    // (and never asked of a closed socket: a read ahead may finish after the transfer ended).
    const idle = () => !this.ended && this.socket.getSendQueueCount() === 0;
    this.reader = new BlockReader(o.handle, o.size, blksize, readAhead, idle);
    this.blocks = this.reader.blocks;
    this.base = o.negotiated.oack ? 0 : 1;
    this.rto = Math.min(o.negotiated.timeoutMs, INITIAL_RTO_MS);
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.socket = createSocket({ type: o.peer.address.includes(':') ? 'udp6' : 'udp4' });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      // ICMP port unreachable from the client: it closed its port, maybe right after sending the
      // final ACK, which still waits in the queue behind this error. The timer decides.
      if (err.code === 'ECONNREFUSED') this.unreachable = true;
      else this.end('read-error', `socket: ${err.message}`);
    });
    this.socket.on('message', (msg) => this.onMessage(msg));
  }

  async start(): Promise<TransferResult> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: this.o.bindAddress, port: 0 }, () => {
        this.socket.connect(this.o.peer.port, this.o.peer.address, () => {
          this.connected = true;
          this.socket.off('error', reject);
          resolve();
        });
      });
    }).catch((err: Error) => this.end('read-error', `bind: ${err.message}`));
    if (!this.ended) this.pump(true);
    return this.done;
  }

  /**
   * The client sent its request again from the same port before acknowledging anything: our first
   * answer (the OACK, or block 1) was lost. Send it again now rather than at our timer, as a
   * server answering each request would; at most every REPEAT_GAP_MS.
   */
  requestRepeated(): void {
    const first = this.base === 0 || (this.base === 1 && !this.o.negotiated.oack);
    if (this.ended || !this.connected || !first) return;
    const now = performance.now();
    if (now - this.lastRepeatAt < REPEAT_GAP_MS) return;
    this.lastRepeatAt = now;
    this.retransmits++;
    this.probeBlock = 0;
    this.pump(true, now);
  }

  /** Stop now (server shutdown): the client hears an error, the file is closed. */
  abort(reason: string): void {
    if (this.ended) return;
    this.send(encodeError(ERR.NOT_DEFINED, reason));
    this.end('aborted', reason);
  }

  /** Stop without a word to the client (it asked for something else from the same port). */
  drop(reason: string): void {
    this.end('aborted', reason);
  }

  private onMessage(msg: Buffer): void {
    if (this.ended) return;
    // The hot path, once per block: an ACK is read in place, without decoding into an object.
    if (msg.length === 4 && msg[0] === 0 && msg[1] === OP.ACK) {
      this.onAck(msg.readUInt16BE(2));
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
    const short = k < this.sentUpTo;
    this.shortRun = short && k === this.base ? this.shortRun + 1 : 0;
    if (this.shortRun >= 3) this.acksEach = true;
    const gap = short && k > this.copiesUpTo && !this.acksEach;
    this.base = k + 1;
    this.retries = 0;
    const now = performance.now();
    this.lastProgress = now;
    this.sample(k, now);
    if (this.base > this.blocks) {
      this.end('complete', `${this.o.size} bytes`);
      return;
    }
    if (gap) {
      // The client holds everything up to k and not k + 1 (RFC 7440: a window ends early at a
      // gap): the next window starts at k + 1, once per gap.
      this.retransmits++;
      this.probeBlock = 0;
      this.copiesUpTo = this.sentUpTo;
    }
    this.pump(gap, now);
  }

  /** A round-trip sample when the timed block is acknowledged; the RTO follows (50 ms at least). */
  private sample(acked: number, now: number): void {
    if (this.probeBlock === 0 || acked < this.probeBlock) return;
    const rtt = now - this.probeAt;
    this.probeBlock = 0;
    this.srtt = this.srtt === undefined ? rtt : 0.875 * this.srtt + 0.125 * rtt;
    this.rto = Math.min(this.o.negotiated.timeoutMs, Math.max(50, Math.round(4 * this.srtt)));
  }

  /**
   * Send the window: from its first block when `resend`, else only blocks not sent yet (the
   * window slid on an ACK). The timer restarts after every send.
   */
  private pump(resend: boolean, now = performance.now()): void {
    if (this.reading) {
      this.pending = (this.pending ?? false) || resend;
      return;
    }
    if (this.ended) return;
    if (this.base === 0) {
      this.send(encodeOack(this.o.negotiated.oack!));
      this.arm();
      return;
    }
    this.sendFrom(resend ? this.base : Math.max(this.base, this.sentUpTo + 1), resend, now);
  }

  private sendFrom(from: number, resend: boolean, now = performance.now()): void {
    const last = Math.min(this.base + this.o.negotiated.windowsize - 1, this.blocks);
    for (let n = from; n <= last && !this.ended; n++) {
      const packet = this.reader.cached(n);
      if (!packet) {
        this.readThenSend(n, resend);
        return;
      }
      this.socket.send(packet);
      if (n > this.sentUpTo && !resend && this.probeBlock === 0) {
        this.probeBlock = n;
        this.probeAt = now;
      }
      this.bytesSent += packet.length - 4;
      this.sentUpTo = Math.max(this.sentUpTo, n);
    }
    if (this.ended) return;
    this.arm(now);
    this.reader.ahead(this.base);
  }

  /**
   * Read the chunk holding block `n`, then go on sending from there. An ACK or a timeout that came
   * in meanwhile wins: the stale window stops and the one it asks for goes out (a gap ACK from
   * mid-window restarts at the first missing block at once, not after the timer).
   */
  private readThenSend(n: number, resend: boolean): void {
    this.reading = true;
    this.reader.load(n).then(
      () => {
        this.reading = false;
        if (this.ended) return;
        const again = this.pending;
        this.pending = undefined;
        if (again === undefined) this.sendFrom(n, resend);
        else this.pump(again);
      },
      (err: Error) => {
        this.reading = false;
        this.send(encodeError(ERR.NOT_DEFINED, 'read error'));
        this.end('read-error', err.message);
      },
    );
  }

  /**
   * The retransmission timer: the RTO, doubled for each retransmission in a row, up to 8 × the
   * configured timeout. After four unanswered retransmissions the client is almost surely
   * waiting on its own timer rather than losing packets: a client that re-ACKs a duplicate only
   * once (atftp, and boot loaders alike) ACKs again only when its timer, 5 s for most, sees
   * nothing arrive, so the server then stays quiet longer than that. The transfer is given up
   * when no block has been acknowledged for `giveUpMs`: the timer never waits past that moment,
   * however long a timeout the client asked for (up to 255 s, RFC 2349).
   */
  private arm(now = performance.now()): void {
    const cap = 8 * this.o.negotiated.timeoutMs;
    const backoff = this.rto * 2 ** Math.min(this.retries, 16);
    const wait = this.retries < 4 ? backoff : Math.max(backoff, CLIENT_TIMER_MS);
    const left = this.o.giveUpMs - (now - this.lastProgress);
    const delay = Math.max(1, Math.ceil(Math.min(cap, wait, left + 1)));
    this.dueAt = now + delay;
    // Once per window the deadline moves later. A timer already set to fire no later is kept: when
    // it fires early it sets itself again for what is left, so a transfer touches its timer about
    // once per RTO, not once per block.
    if (this.timer && this.timerAt <= this.dueAt) return;
    this.setTimer(delay);
  }

  private setTimer(delay: number): void {
    this.clearTimer();
    this.timerAt = performance.now() + delay;
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.ended) return;
    const early = this.dueAt - performance.now();
    if (early >= 1) {
      this.setTimer(Math.ceil(early));
      return;
    }
    const stalled = performance.now() - this.lastProgress;
    if (stalled >= this.o.giveUpMs) {
      this.send(encodeError(ERR.NOT_DEFINED, 'timed out'));
      const gone = this.unreachable ? '; the client closed its port' : '';
      this.end('timeout', `no progress for ${Math.round(stalled / 1000)} s${gone}`);
      return;
    }
    this.retries++;
    this.retransmits++;
    this.timeouts++;
    this.probeBlock = 0;
    this.shortRun = 0;
    this.pump(true);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(packet: Buffer): void {
    if (this.ended || !this.connected) return;
    this.socket.send(packet, (err) => {
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
    const { bytesSent, retransmits, timeouts } = this;
    this.finish({ outcome, detail, bytesSent, retransmits, timeouts });
  }
}
