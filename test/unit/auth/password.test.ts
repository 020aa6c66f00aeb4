import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../../daemon/auth/password.js';

const fast = { N: 2 ** 10, r: 8, p: 1, keylen: 32 };

test('hash verifies the right password only, and salts differ', async () => {
  const a = await hashPassword('correct horse battery', fast);
  const b = await hashPassword('correct horse battery', fast);
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterz', a), false);
});

test('the default cost is strong enough to slow a guesser', async () => {
  const encoded = await hashPassword('correct horse battery');
  assert.equal(encoded.split('$')[1], String(2 ** 15));
});

test('policy rejects short and single-character passwords', () => {
  assert.match(checkPasswordPolicy('short') ?? '', /at least 10/);
  assert.match(checkPasswordPolicy('aaaaaaaaaaaa') ?? '', /repeat/);
  assert.equal(checkPasswordPolicy('a reasonable passphrase'), null);
});
