/**
 * Password hashing with scrypt from node:crypto. The encoded form carries its parameters so they
 * can be raised later without invalidating stored hashes: scrypt$N$r$p$salt$hash (base64url).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { DepotError } from '../errors.js';

const scrypt = (password: string, salt: Buffer, keylen: number, N: number, r: number, p: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );

/** 2^15 costs ~100 ms on a Raspberry Pi 4: slow for a guesser, fine for a login. */
const DEFAULT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 };

export const MIN_PASSWORD_LENGTH = 10;

export const checkPasswordPolicy = (password: string): string | null => {
  if (password.length < MIN_PASSWORD_LENGTH) return `use at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'use at most 1024 characters';
  if (/^(.)\1*$/.test(password)) return 'do not repeat a single character';
  return null;
};

export const hashPassword = async (password: string, params = DEFAULT): Promise<string> => {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params.keylen, params.N, params.r, params.p);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
};

export const verifyPassword = async (password: string, encoded: string): Promise<boolean> => {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new DepotError('STORE_CORRUPT', 'stored password hash has an unknown format');
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(
    password,
    Buffer.from(salt, 'base64url'),
    expected.length,
    Number(n),
    Number(r),
    Number(p),
  );
  return timingSafeEqual(key, expected);
};
