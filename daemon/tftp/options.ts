/**
 * Option negotiation for a read: blksize (RFC 2348), timeout and tsize (RFC 2349), windowsize
 * (RFC 7440). An option the server does not know, or one with a value out of range, is left out
 * of the OACK (RFC 2347 lets the server ignore it); with nothing to acknowledge there is no OACK
 * and the transfer starts with block 1 as in RFC 1350.
 */

export interface OptionLimits {
  /** Largest block the server agrees to: 1468 keeps a DATA packet inside a 1500-byte Ethernet MTU. */
  maxBlksize: number;
  maxWindowsize: number;
  /** Retransmission interval when the client does not ask for one. */
  defaultTimeoutMs: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /** What goes in the OACK, in the order the client asked; undefined: answer with DATA 1. */
  oack: Map<string, string> | undefined;
}

const intIn = (text: string, min: number, max: number): number | undefined => {
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
};

export const negotiate = (
  requested: ReadonlyMap<string, string>,
  fileSize: number,
  limits: OptionLimits,
): Negotiated => {
  const out: Negotiated = {
    blksize: 512,
    windowsize: 1,
    timeoutMs: limits.defaultTimeoutMs,
    oack: undefined,
  };
  const oack = new Map<string, string>();
  for (const [name, value] of requested) {
    if (name === 'blksize') {
      const n = intIn(value, 8, 65464);
      if (n === undefined) continue;
      out.blksize = Math.min(n, limits.maxBlksize);
      oack.set(name, String(out.blksize));
    } else if (name === 'windowsize') {
      const n = intIn(value, 1, 65535);
      if (n === undefined) continue;
      out.windowsize = Math.min(n, limits.maxWindowsize);
      oack.set(name, String(out.windowsize));
    } else if (name === 'timeout') {
      const n = intIn(value, 1, 255);
      if (n === undefined) continue;
      out.timeoutMs = n * 1000;
      oack.set(name, String(n));
    } else if (name === 'tsize') {
      // A read request carries 0; the answer is the file's size.
      if (intIn(value, 0, Number.MAX_SAFE_INTEGER) === undefined && value !== '0') continue;
      oack.set(name, String(fileSize));
    }
  }
  if (oack.size) out.oack = oack;
  return out;
};
