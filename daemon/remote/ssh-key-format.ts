/**
 * OpenSSH key encodings, written by hand because node:crypto speaks PEM/DER/JWK but not the
 * OpenSSH formats technicians paste into authorized_keys: the `ssh-ed25519 AAAA...` public line,
 * the `openssh-key-v1` private key file (unencrypted, as ssh-keygen -N '' writes it) and
 * `SHA256:` fingerprints as `ssh-keygen -lf` prints them.
 */
import { createHash, randomBytes } from 'node:crypto';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** SSH wire `string`: uint32 length + bytes. */
export const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([u32(bytes.length), bytes]);
};

/** Reads the first wire string of a blob: the key type of a public key blob. */
export const keyTypeOf = (blob: Buffer): string => {
  if (blob.length < 4) throw new Error('public key blob too short');
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4 || len > 64) throw new Error('public key blob has a bad type field');
  return blob.subarray(4, 4 + len).toString('latin1');
};

export const ed25519PublicBlob = (publicKey: Buffer): Buffer =>
  Buffer.concat([sshString('ssh-ed25519'), sshString(publicKey)]);

/** `SHA256:<base64 without padding>`, the fingerprint ssh-keygen -lf and ssh print. */
export const fingerprintOf = (blob: Buffer): string =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** One authorized_keys line. The comment must not contain a newline. */
export const publicKeyLine = (blob: Buffer, comment: string): string =>
  `${keyTypeOf(blob)} ${blob.toString('base64')} ${comment.replace(/[\r\n]/g, ' ')}`.trimEnd();

/**
 * The unencrypted `openssh-key-v1` private key for an Ed25519 key pair. `seed` is the 32-byte
 * private scalar seed (JWK `d`), `publicKey` the 32-byte public key (JWK `x`).
 */
export const ed25519PrivateKeyFile = (seed: Buffer, publicKey: Buffer, comment: string): string => {
  if (seed.length !== 32 || publicKey.length !== 32) throw new Error('Ed25519 keys are 32 bytes');
  const blob = ed25519PublicBlob(publicKey);
  const check = randomBytes(4);
  let section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(comment),
  ]);
  // Pad to the cipher block size (8 for "none") with 1, 2, 3, ... as the format requires.
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    u32(1),
    sshString(blob),
    sshString(section),
  ]);
  const b64 = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
};

/** The public key blob stored inside an unencrypted `openssh-key-v1` private key file. */
export const publicBlobFromPrivateKeyFile = (text: string): Buffer => {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!match) throw new Error('not an OpenSSH private key file');
  const body = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (body.subarray(0, magic.length).toString('latin1') !== magic) throw new Error('bad OpenSSH key magic');
  let at = magic.length;
  const next = (): Buffer => {
    if (at + 4 > body.length) throw new Error('truncated OpenSSH key');
    const len = body.readUInt32BE(at);
    if (at + 4 + len > body.length) throw new Error('truncated OpenSSH key');
    const out = body.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return out;
  };
  next(); // cipher
  next(); // kdf
  next(); // kdf options
  if (at + 4 > body.length || body.readUInt32BE(at) !== 1) throw new Error('expected exactly one key');
  at += 4;
  return Buffer.from(next());
};
