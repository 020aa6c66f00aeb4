/**
 * Passphrase encryption for backups, as a stream: the key comes from scrypt over the passphrase
 * and a random salt; the data is cut into chunks of up to 1 MiB, each sealed with AES-256-GCM
 * under a nonce made of a random prefix and the chunk's number, with the header and a "last chunk"
 * flag as associated data (the STREAM construction). So a wrong passphrase, a flipped bit, chunks
 * swapped, dropped or cut short, or a changed header are all refused, and neither side ever holds
 * more than a chunk in memory.
 *
 *   header: "PDBACKUP" (8) · version 1 (1) · log2 N (1) · r (1) · p (1) · salt (16) · nonce prefix (7)
 *   chunks: length of ciphertext (4, big-endian) · ciphertext+tag, the last one flagged
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DepotError } from '../errors.js';

const MAGIC = Buffer.from('PDBACKUP');
const VERSION = 1;
export const HEADER_BYTES = MAGIC.length + 4 + 16 + 7;
const CHUNK = 1 << 20;
const TAG = 16;
/** scrypt N = 2^15, r = 8, p = 1: about 32 MiB and a tenth of a second on a Pi 4. */
const COST = { log2N: 15, r: 8, p: 1 };

const deriveKey = (passphrase: string, salt: Buffer, c: typeof COST): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: 2 ** c.log2N, r: c.r, p: c.p, maxmem: 256 << 20 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );

/** 12-byte nonce: prefix (7) · chunk number (4) · last flag (1). */
const chunkNonce = (prefix: Buffer, index: number, last: boolean): Buffer => {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
};

export const checkPassphrase = (passphrase: string): void => {
  if (passphrase.length < 12) {
    throw new DepotError(
      'BAD_INPUT',
      'a backup passphrase needs at least 12 characters: it is all that protects the keys inside',
    );
  }
};

/** Encrypts what is written to it; the output starts with the header. */
export const sealStream = async (passphrase: string): Promise<Transform> => {
  checkPassphrase(passphrase);
  const salt = randomBytes(16);
  const prefix = randomBytes(7);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION, COST.log2N, COST.r, COST.p]), salt, prefix]);
  const key = await deriveKey(passphrase, salt, COST);
  let pending = Buffer.alloc(0);
  let index = 0;
  const seal = (plain: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(prefix, index++, last));
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
  };
  let started = false;
  return new Transform({
    transform(data: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        this.push(header);
        started = true;
      }
      pending = Buffer.concat([pending, data]);
      // Keep at least one byte back: the last chunk must be the one flagged last.
      while (pending.length > CHUNK) {
        this.push(seal(pending.subarray(0, CHUNK), false));
        pending = pending.subarray(CHUNK);
      }
      done();
    },
    flush(done: TransformCallback) {
      if (!started) this.push(header);
      this.push(seal(pending, true));
      done();
    },
  });
};

const refuse = (why: string) => new DepotError('BAD_INPUT', `not a readable backup: ${why}`);

/** Decrypts a sealed stream; errors (wrong passphrase, damage, truncation) before any byte is wrong. */
export const openStream = (passphrase: string): Transform => {
  let buffered = Buffer.alloc(0);
  let header: Buffer | undefined;
  let key: Buffer | undefined;
  let prefix: Buffer | undefined;
  let index = 0;
  let ended = false;
  const start = async (): Promise<void> => {
    const h = buffered.subarray(0, HEADER_BYTES);
    if (!h.subarray(0, MAGIC.length).equals(MAGIC)) throw refuse('it is not a Patch Depot backup');
    if (h[8] !== VERSION) throw refuse(`format version ${h[8]}, this appliance reads ${VERSION}`);
    const c = { log2N: h[9]!, r: h[10]!, p: h[11]! };
    if (c.log2N < 10 || c.log2N > 20 || c.r < 1 || c.r > 32 || c.p < 1 || c.p > 4)
      throw refuse('its key parameters are out of range');
    header = Buffer.from(h);
    prefix = h.subarray(12 + 16);
    key = await deriveKey(passphrase, h.subarray(12, 28), c);
    buffered = buffered.subarray(HEADER_BYTES);
  };
  const next = (): Buffer | undefined => {
    if (buffered.length < 4) return undefined;
    const len = buffered.readUInt32BE(0);
    if (len < TAG || len > CHUNK + TAG) throw refuse('a chunk has an impossible length');
    if (buffered.length < 4 + len) return undefined;
    const body = buffered.subarray(4, 4 + len);
    buffered = buffered.subarray(4 + len);
    for (const last of [false, true]) {
      try {
        const d = createDecipheriv('aes-256-gcm', key!, chunkNonce(prefix!, index, last));
        d.setAAD(header!);
        d.setAuthTag(body.subarray(len - TAG));
        const plain = Buffer.concat([d.update(body.subarray(0, len - TAG)), d.final()]);
        index++;
        ended = last;
        return plain;
      } catch {
        // not this flag; try the other
      }
    }
    throw index === 0
      ? new DepotError('FORBIDDEN', 'wrong passphrase, or the backup is damaged')
      : refuse(`chunk ${index} is damaged or out of place`);
  };
  return new Transform({
    transform(data: Buffer, _enc, done: TransformCallback) {
      buffered = Buffer.concat([buffered, data]);
      const work = async () => {
        if (ended) {
          if (buffered.length) throw refuse('there are bytes after its last chunk');
          return;
        }
        if (!key) {
          if (buffered.length < HEADER_BYTES) return;
          await start();
        }
        for (let plain = next(); plain; plain = next()) {
          if (ended && buffered.length > 0) throw refuse('there are bytes after its last chunk');
          if (plain.length) this.push(plain);
          if (ended) break;
        }
      };
      work().then(() => done(), done);
    },
    flush(done: TransformCallback) {
      if (!key) return done(refuse('it is shorter than its header'));
      if (!ended || buffered.length > 0) return done(refuse('it is cut short (the last chunk is missing)'));
      done();
    },
  });
};
