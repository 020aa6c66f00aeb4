/**
 * The appliance's read-only TFTP server (RFC 1350, 2347, 2348, 2349, 7440), for phones, access
 * points and thin clients that fetch firmware and configuration at boot.
 *
 * - Reads only: a write request is refused, and so is any mode but `octet` (netascii would
 *   change the bytes a device verifies).
 * - Only files under one root (see file-access.ts), only for clients inside the allow-list;
 *   requests from anywhere else get silence.
 * - Transfers are capped per client and in total; error replies are rate-limited per source and
 *   overall, so a forged request cannot turn the appliance into a reflector.
 * - Every datagram is decoded by a total function and every socket has an error handler: no
 *   bytes can crash or wedge it.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Clock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { openContained, TftpRefusal } from './file-access.js';
import { negotiate, type OptionLimits } from './options.js';
import { decode, ERR, encodeError, type Packet, type Request } from './packet.js';
import { ReplyLimiter } from './reply-limiter.js';
import { Transfer, type TransferResult } from './transfer.js';
import type { TransferRecord } from './transfer-log.js';

export interface TftpLimits extends OptionLimits {
  giveUpMs: number;
  maxPerClient: number;
  maxTransfers: number;
  /** Error replies a second to one source address (twice that in a burst); 100 a second overall. */
  errorsPerSecond: number;
}

export type Refusal = 'not-allowed' | 'malformed' | 'write' | 'mode' | 'busy' | 'not-found' | 'access';

/** What the server tells its owner: for metrics and the transfer log. */
export interface TftpEvents {
  refused(reason: Refusal, client: string): void;
  errorSent(): void;
  finished(record: TransferRecord): void;
}

export interface TftpServerOptions {
  root: string;
  address: string;
  port: number;
  allowed: (address: string) => boolean;
  limits: TftpLimits;
  clock: Clock;
  log: Logger;
  events: TftpEvents;
}

const refusalOf = (code: number): Refusal => (code === ERR.ACCESS ? 'access' : 'not-found');

/** One client port's conversation: what it asked for, and its transfer once the file is open. */
interface Conversation {
  req: Request;
  transfer: Transfer | undefined;
  /** The client asked for something else from the same port: this one is dropped. */
  superseded: boolean;
  /** The request that superseded it, served once it is over (only the latest: a flood queues one). */
  next?: Buffer | undefined;
  /** Settles once the conversation is over and its slot is given back. */
  done: Promise<void>;
}

const SUPERSEDED = 'the client asked for another file from the same port';

const sameRequest = (a: Request, b: Request): boolean =>
  a.filename === b.filename &&
  a.mode === b.mode &&
  a.options.size === b.options.size &&
  [...a.options].every(([k, v]) => b.options.get(k) === v);

export class TftpServer {
  private socket: Socket | undefined;
  private readonly transfers = new Map<string, Conversation>();
  private readonly perClient = new Map<string, number>();
  private readonly limiter: ReplyLimiter;

  constructor(private readonly o: TftpServerOptions) {
    this.limiter = new ReplyLimiter(o.clock, o.limits.errorsPerSecond);
  }

  /** The bound port (useful when configured as 0). */
  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  get active(): number {
    return this.transfers.size;
  }

  async start(): Promise<void> {
    const socket = createSocket({ type: this.o.address.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.o.address, port: this.o.port }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.o.log.warn('TFTP socket error', { err }));
    this.socket = socket;
    this.o.log.info('TFTP server listening', { address: this.o.address, port: this.port, root: this.o.root });
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    const running = [...this.transfers.values()].flatMap((c) => (c.transfer ? [c.transfer] : []));
    for (const t of running) t.abort('server shutting down');
    await Promise.all(running.map((t) => t.done));
  }

  /** An error datagram, unless the limiter says this source has had enough. */
  private replyError(to: { address: string; port: number }, code: number, message: string): void {
    const socket = this.socket;
    if (!socket || !this.limiter.allow(to.address)) return;
    this.o.events.errorSent();
    socket.send(encodeError(code, message), to.port, to.address, () => {});
  }

  private refuse(rinfo: RemoteInfo, reason: Refusal, code: number, message: string): void {
    this.o.events.refused(reason, rinfo.address);
    this.replyError(rinfo, code, message);
  }

  /** Why a datagram to the listening port gets no transfer; undefined for a read request to serve. */
  private refusalFor(p: Packet, rinfo: RemoteInfo): [Refusal, number, string] | undefined {
    if (p.kind === 'bad') return ['malformed', ERR.ILLEGAL_OP, p.reason];
    // DATA, ACK, ERROR or OACK on the listening port belong to no transfer.
    if (p.kind !== 'request') return ['malformed', ERR.UNKNOWN_TID, 'no transfer on this port'];
    if (p.op === 'write') return ['write', ERR.ACCESS, 'this server is read-only'];
    if (p.mode !== 'octet')
      return ['mode', ERR.ILLEGAL_OP, `mode ${p.mode.slice(0, 20)} is not served; use octet (binary)`];
    const mine = this.perClient.get(rinfo.address) ?? 0;
    if (mine >= this.o.limits.maxPerClient || this.transfers.size >= this.o.limits.maxTransfers) {
      return ['busy', ERR.NOT_DEFINED, 'server busy, try again later'];
    }
    return undefined;
  }

  private onRequest(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.port === 0) return;
    if (!this.o.allowed(rinfo.address)) {
      this.o.events.refused('not-allowed', rinfo.address);
      return;
    }
    const key = `${rinfo.address}|${rinfo.port}`;
    const p = decode(msg);
    const running = this.transfers.get(key);
    if (running) {
      this.again(running, p, msg, rinfo);
      return;
    }
    const why = this.refusalFor(p, rinfo);
    if (why || p.kind !== 'request') {
      if (why) this.refuse(rinfo, ...why);
      return;
    }
    const conversation: Conversation = {
      req: p,
      transfer: undefined,
      superseded: false,
      done: Promise.resolve(),
    };
    this.transfers.set(key, conversation);
    this.perClient.set(rinfo.address, (this.perClient.get(rinfo.address) ?? 0) + 1);
    conversation.done = this.serve(p, rinfo, conversation)
      .catch((err: unknown) => this.o.log.error('TFTP transfer failed', { err, client: rinfo.address }))
      .finally(() => {
        if (this.transfers.get(key) === conversation) this.transfers.delete(key);
        const left = (this.perClient.get(rinfo.address) ?? 1) - 1;
        if (left > 0) this.perClient.set(rinfo.address, left);
        else this.perClient.delete(rinfo.address);
      });
  }

  /**
   * A datagram to the listening port from a client port that has a transfer already. The same
   * request again is answered by that transfer (at once if it has had nothing from us yet: our
   * first answer was lost). A read request for another file, or with other options, means the
   * client gave up on the first and reuses its port (boot loaders do): the first transfer is
   * dropped without a word (an error from it would reach the client as the answer to the new
   * request), and the new request is served once the first has let go of its slot.
   */
  private again(running: Conversation, p: Packet, msg: Buffer, rinfo: RemoteInfo): void {
    if (p.kind !== 'request' || p.op !== 'read' || sameRequest(p, running.req)) {
      running.transfer?.requestRepeated();
      return;
    }
    const queued = running.next !== undefined;
    running.next = msg;
    if (queued) return;
    running.superseded = true;
    running.transfer?.drop(SUPERSEDED);
    void running.done.then(() => this.onRequest(running.next!, rinfo));
  }

  private async serve(req: Request, rinfo: RemoteInfo, conversation: Conversation): Promise<void> {
    const started = this.o.clock.now();
    const record = (
      size: number,
      r: Pick<TransferResult, 'bytesSent'> & { outcome: TransferRecord['outcome'] },
    ) =>
      ({
        at: new Date(started).toISOString(),
        client: rinfo.address,
        file: req.filename.slice(0, 255),
        size,
        bytesSent: r.bytesSent,
        durationMs: this.o.clock.now() - started,
        blksize: 0,
        windowsize: 0,
        outcome: r.outcome,
        detail: '',
      }) satisfies TransferRecord;
    let opened: Awaited<ReturnType<typeof openContained>>;
    try {
      opened = await openContained(this.o.root, req.filename);
    } catch (err) {
      const refusal = err instanceof TftpRefusal ? err : new TftpRefusal(ERR.NOT_FOUND, 'file not found');
      // A client that has asked for another file since waits for that one's answer, not this error.
      if (conversation.superseded) this.o.events.refused(refusalOf(refusal.code), rinfo.address);
      else this.refuse(rinfo, refusalOf(refusal.code), refusal.code, refusal.message);
      this.o.events.finished({ ...record(0, { bytesSent: 0, outcome: 'refused' }), detail: refusal.message });
      return;
    }
    if (!this.socket || conversation.superseded) {
      await opened.handle.close();
      if (conversation.superseded)
        this.o.events.finished({
          ...record(opened.size, { bytesSent: 0, outcome: 'aborted' }),
          detail: SUPERSEDED,
        });
      return;
    }
    const negotiated = negotiate(req.options, opened.size, this.o.limits);
    const transfer = new Transfer({
      handle: opened.handle,
      size: opened.size,
      peer: { address: rinfo.address, port: rinfo.port },
      bindAddress: this.o.address,
      negotiated,
      giveUpMs: this.o.limits.giveUpMs,
    });
    conversation.transfer = transfer;
    const result = await transfer.start();
    this.o.events.finished({
      ...record(opened.size, result),
      file: opened.name,
      blksize: negotiated.blksize,
      windowsize: negotiated.windowsize,
      detail: result.detail,
    });
  }
}
