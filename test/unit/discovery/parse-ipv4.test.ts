/** parseIpv4's hand scan accepts exactly what the regular-expression form it replaced accepted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIpv4 } from '../../../daemon/discovery/ipv4.js';
import { Rng } from '../../support/prng.js';

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const byRegex = (text: string): number | undefined => {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
};

test('parseIpv4 agrees with the regular-expression parse on near-addresses', () => {
  const r = new Rng(42);
  const pieces = [
    '0',
    '1',
    '9',
    '10',
    '01',
    '00',
    '99',
    '100',
    '199',
    '200',
    '249',
    '250',
    '255',
    '256',
    '300',
    '999',
    '1000',
    '',
    'a',
    '-1',
    '+1',
    ' 1',
    '1e1',
    '０',
  ];
  const valid = ['0', '7', '10', '99', '100', '255'];
  const seps = ['.', '.', '.', '.', ',', '..', ':'];
  const pads = ['', '', '', '', '', '', ' ', '\t', '\n', '\u00a0', '\u3000', '\ufeff', 'x'];
  let accepted = 0;
  for (let n = 0; n < 50_000; n++) {
    const count = r.pick([3, 4, 4, 4, 4, 4, 4, 5]);
    let text = r.pick(pads);
    for (let i = 0; i < count; i++)
      text += (i ? (r.chance(0.9) ? '.' : r.pick(seps)) : '') + r.pick(r.chance(0.85) ? valid : pieces);
    if (r.chance(0.05)) text += '.';
    text += r.pick(pads);
    const want = byRegex(text);
    assert.equal(parseIpv4(text), want, JSON.stringify(text));
    if (want !== undefined) accepted++;
  }
  assert.ok(accepted > 1000, `only ${accepted} valid addresses generated`);
  for (const text of ['', '.', '...', '1.2.3.4', '255.255.255.255', '0.0.0.0', ' 10.0.0.1 ', '1.2.3.4.'])
    assert.equal(parseIpv4(text), byRegex(text), JSON.stringify(text));
  assert.equal(parseIpv4('10.0.0.9'), 0x0a000009);
});
