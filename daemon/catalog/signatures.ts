/**
 * Ed25519 signed envelopes for Patch Depot manifests and offline bundles. The signature covers the
 * exact payload bytes (base64 in the envelope), so no JSON canonicalisation is needed. Trusted keys
 * are configured as PEM (SPKI) or as the bare 32-byte key in base64; `keyId` is the first 16 hex
 * digits of the raw key's SHA-256 and only selects the key: the signature decides.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { parseJson, validate } from './feeds/validate.js';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const envelopeSchema = z
  .object({
    format: z.literal('patch-depot-signed/1'),
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    payload: z.base64(),
    signature: z.base64(),
  })
  .strict();
export type Envelope = z.infer<typeof envelopeSchema>;

const rawKey = (key: KeyObject): Buffer => {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
};

export const keyIdOf = (key: KeyObject): string =>
  createHash('sha256').update(rawKey(key)).digest('hex').slice(0, 16);

export const parsePublicKey = (text: string): KeyObject => {
  const t = text.trim();
  let key: KeyObject;
  try {
    key = t.startsWith('-----BEGIN')
      ? createPublicKey(t)
      : createPublicKey({
          key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(t, 'base64')]),
          format: 'der',
          type: 'spki',
        });
  } catch (cause) {
    throw new DepotError(
      'CONFIG_INVALID',
      `trusted key "${t.slice(0, 24)}…" is not a readable Ed25519 public key`,
      { cause },
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DepotError('CONFIG_INVALID', `trusted key is ${key.asymmetricKeyType}, not Ed25519`);
  }
  return key;
};

/** Whether settings may list `text` as a trusted key (the schema's check, before any sync). */
export const isPublicKey = (text: string): boolean => {
  try {
    parsePublicKey(text);
    return true;
  } catch {
    return false;
  }
};
export const NOT_A_PUBLIC_KEY =
  'not an Ed25519 public key: paste the line `patch-depot catalog keygen` printed, or a PEM public key block';

/** Public key as the base64 raw form used in settings. */
export const publicKeyBase64 = (key: KeyObject): string => rawKey(key).toString('base64');

export const signEnvelope = (payload: Uint8Array, privateKey: KeyObject): Envelope => {
  const pub = createPublicKey(privateKey);
  return {
    format: 'patch-depot-signed/1',
    keyId: keyIdOf(pub),
    payload: Buffer.from(payload).toString('base64'),
    signature: sign(null, payload, privateKey).toString('base64'),
  };
};

/** Verify an envelope against the trusted keys; returns the payload bytes and the signer's key id. */
export const openEnvelope = (
  what: string,
  body: Uint8Array | unknown,
  trusted: string[],
): { payload: Buffer; keyId: string } => {
  const json = body instanceof Uint8Array ? parseJson(what, body) : body;
  const env = validate(what, envelopeSchema, json);
  if (trusted.length === 0) {
    throw new DepotError('BAD_INPUT', `${what}: no trusted signing keys configured (catalog.trustedKeys)`);
  }
  const key = trusted.map(parsePublicKey).find((k) => keyIdOf(k) === env.keyId);
  if (!key)
    throw new DepotError('BAD_INPUT', `${what}: signed by key ${env.keyId}, which is not trusted here`);
  const payload = Buffer.from(env.payload, 'base64');
  if (!verify(null, payload, key, Buffer.from(env.signature, 'base64'))) {
    throw new DepotError('BAD_INPUT', `${what}: signature does not verify (altered or corrupted)`);
  }
  return { payload, keyId: env.keyId };
};
