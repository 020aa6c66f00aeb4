/**
 * TFTP packets (RFC 1350) with options (RFC 2347): decoding is total, every malformed datagram
 * becomes a `{ kind: 'bad' }` with a reason instead of an exception, so no bytes a LAN host sends
 * can throw inside the listener.
 */

export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 error codes, plus 8 from RFC 2347 (option negotiation refused). */
export const ERR = {
  NOT_DEFINED: 0,
  NOT_FOUND: 1,
  ACCESS: 2,
  DISK_FULL: 3,
  ILLEGAL_OP: 4,
  UNKNOWN_TID: 5,
  EXISTS: 6,
  NO_USER: 7,
  OPTIONS: 8,
} as const;

/** A request is at most 512 bytes (RFC 2347); longer ones are refused without parsing. */
export const MAX_REQUEST_BYTES = 512;
export const MAX_FILENAME_BYTES = 255;

export interface Request {
  kind: 'request';
  op: 'read' | 'write';
  filename: string;
  mode: string;
  /** Option names lower-cased; values as sent. Repeated options: the first one counts. */
  options: Map<string, string>;
}

export type Packet =
  | Request
  | { kind: 'ack'; block: number }
  | { kind: 'error'; code: number; message: string }
  | { kind: 'data'; block: number }
  | { kind: 'oack' }
  | { kind: 'bad'; reason: string };

const bad = (reason: string): Packet => ({ kind: 'bad', reason });

/** NUL-terminated strings after the opcode; undefined when the last one is unterminated. */
const cStrings = (buf: Buffer, from: number): string[] | undefined => {
  const out: string[] = [];
  let start = from;
  for (let i = from; i < buf.length; i++) {
    if (buf[i] !== 0) continue;
    out.push(buf.toString('latin1', start, i));
    start = i + 1;
  }
  return start === buf.length ? out : undefined;
};

const decodeRequest = (buf: Buffer, op: 'read' | 'write'): Packet => {
  if (buf.length > MAX_REQUEST_BYTES) return bad(`request of ${buf.length} bytes (max ${MAX_REQUEST_BYTES})`);
  const parts = cStrings(buf, 2);
  if (!parts || parts.length < 2) return bad('request without a NUL-terminated file name and mode');
  const [filename = '', mode = '', ...rest] = parts;
  if (rest.length % 2 !== 0) return bad('an option without a value');
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const name = (rest[i] ?? '').toLowerCase();
    if (!options.has(name)) options.set(name, rest[i + 1] ?? '');
  }
  return { kind: 'request', op, filename, mode: mode.toLowerCase(), options };
};

export const decode = (buf: Buffer): Packet => {
  if (buf.length < 4) return bad(`datagram of ${buf.length} bytes`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case OP.RRQ:
      return decodeRequest(buf, 'read');
    case OP.WRQ:
      return decodeRequest(buf, 'write');
    case OP.ACK:
      return buf.length === 4 ? { kind: 'ack', block: buf.readUInt16BE(2) } : bad('ACK of the wrong length');
    case OP.ERROR: {
      const end = buf.indexOf(0, 4);
      const message = buf.toString('latin1', 4, end === -1 ? buf.length : end).slice(0, 200);
      return { kind: 'error', code: buf.readUInt16BE(2), message };
    }
    case OP.DATA:
      return { kind: 'data', block: buf.readUInt16BE(2) };
    case OP.OACK:
      return { kind: 'oack' };
    default:
      return bad(`unknown opcode ${op}`);
  }
};

export const encodeData = (block: number, payload: Buffer): Buffer => {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt16BE(OP.DATA, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  payload.copy(out, 4);
  return out;
};

export const encodeError = (code: number, message: string): Buffer => {
  const text = Buffer.from(message.slice(0, 200), 'latin1');
  const out = Buffer.alloc(5 + text.length);
  out.writeUInt16BE(OP.ERROR, 0);
  out.writeUInt16BE(code, 2);
  text.copy(out, 4);
  return out;
};

export const encodeOack = (options: ReadonlyMap<string, string>): Buffer => {
  const parts = [Buffer.from([0, OP.OACK])];
  for (const [name, value] of options) parts.push(Buffer.from(`${name}\0${value}\0`, 'latin1'));
  return Buffer.concat(parts);
};

export const encodeRequest = (
  op: 'read' | 'write',
  filename: string,
  mode = 'octet',
  options: Record<string, string> = {},
): Buffer => {
  const opts = Object.entries(options).map(([k, v]) => `${k}\0${v}\0`);
  return Buffer.concat([
    Buffer.from([0, op === 'read' ? OP.RRQ : OP.WRQ]),
    Buffer.from(`${filename}\0${mode}\0${opts.join('')}`, 'latin1'),
  ]);
};

export const encodeAck = (block: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(OP.ACK, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  return out;
};
