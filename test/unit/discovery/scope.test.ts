import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIpv4, parseIpv4 } from '../../../daemon/discovery/ipv4.js';
import { expandScope, parseBlock, splitEntries, validateScope } from '../../../daemon/discovery/scope.js';
import { parseScopeForm } from '../../../daemon/discovery/scope-record.js';
import { DepotError } from '../../../daemon/errors.js';

const ips = (include: string[], exclude: string[] = [], max = 4096) =>
  expandScope({ include, exclude }, max).map(formatIpv4);

test('parses addresses, CIDRs and both range spellings', () => {
  assert.equal(parseIpv4('10.0.0.255'), 167772415);
  assert.equal(parseIpv4('10.0.0.256'), undefined);
  assert.equal(parseIpv4('010.0.0.1'), undefined);
  assert.deepEqual(ips(['10.0.0.10-12']), ['10.0.0.10', '10.0.0.11', '10.0.0.12']);
  assert.deepEqual(ips(['10.0.0.254-10.0.1.1']), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  assert.deepEqual(ips(['192.168.1.7']), ['192.168.1.7']);
});

test('a CIDR leaves out its network and broadcast addresses, except /31 and /32', () => {
  const all = ips(['10.0.0.0/24']);
  assert.equal(all.length, 254);
  assert.equal(all[0], '10.0.0.1');
  assert.equal(all.at(-1), '10.0.0.254');
  assert.deepEqual(ips(['10.0.0.4/31']), ['10.0.0.4', '10.0.0.5']);
});

test('excluded addresses and ranges are never in the list', () => {
  const list = ips(['10.0.0.0/28'], ['10.0.0.5', '10.0.0.8-10']);
  for (const gone of ['10.0.0.5', '10.0.0.8', '10.0.0.9', '10.0.0.10']) assert.ok(!list.includes(gone));
  assert.equal(list.length, 14 - 4);
  assert.deepEqual(ips(['10.0.0.1', '10.0.0.1', '10.0.0.0/30']), ['10.0.0.1', '10.0.0.2']);
});

test('clear errors for bad entries', () => {
  assert.throws(() => parseBlock('10.0.0.1/24'), /did you mean 10\.0\.0\.0\/24/);
  assert.throws(() => parseBlock('10.0.0.0/33'), /prefix length/);
  assert.throws(() => parseBlock('10.0.0.20-10'), /ends before it starts/);
  assert.throws(() => parseBlock('printer.local'), /expected an address/);
  assert.throws(() => validateScope({ include: [], exclude: [] }, 10), /no addresses/);
});

test('a scope above the size cap is refused before anything is expanded', () => {
  assert.throws(
    () => validateScope({ include: ['10.0.0.0/8'], exclude: [] }, 4096),
    (err: unknown) =>
      err instanceof DepotError &&
      err.code === 'BAD_INPUT' &&
      /16,777,214 addresses.*10\.0\.0\.0\/8.*4,096/.test(err.message),
  );
  assert.equal(validateScope({ include: ['10.0.0.0/20'], exclude: [] }, 4096), 4094);
});

test('form input: entries split on lines, commas and spaces; comments dropped; schedule checked', () => {
  assert.deepEqual(splitEntries('10.0.0.0/24, 10.0.1.5\n# printers\n10.0.2.1-9 # lab'), [
    '10.0.0.0/24',
    '10.0.1.5',
    '10.0.2.1-9',
  ]);
  const s = parseScopeForm(
    { name: ' Office ', include: '10.0.0.0/24', exclude: '10.0.0.9', everyMinutes: '60', enabled: 'on' },
    4096,
  );
  assert.deepEqual(s, {
    name: 'Office',
    include: ['10.0.0.0/24'],
    exclude: ['10.0.0.9'],
    everyMinutes: 60,
    enabled: true,
  });
  assert.throws(
    () => parseScopeForm({ name: 'x', include: '10.0.0.0/24', everyMinutes: '1' }, 4096),
    /every 5 minutes/,
  );
  assert.throws(() => parseScopeForm({ name: '', include: '10.0.0.0/24' }, 4096), /name/);
  assert.throws(() => parseScopeForm({ name: 'x', include: 'nonsense' }, 4096), /"nonsense"/);
});

test('a scope form post missing a field, or with a file or list in it, names the field', () => {
  // A hand-made or truncated post (no include textarea) got zod's "Invalid input: expected string,
  // received undefined", which names nothing the admin can fix.
  const missing = (form: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => parseScopeForm(form, 4096),
      (err: Error) => field.test(err.message) && !/Invalid input|expected string/.test(err.message),
    );
  missing({ name: 'x' }, /includes no addresses/);
  missing({ include: '10.0.0.0/24' }, /name/);
  missing({ name: 'x', include: ['10.0.0.1', '10.0.0.2'] }, /include/);
  missing({ name: 'x', include: '10.0.0.0/24', exclude: new File(['a'], 'a.txt') }, /exclude/);
  missing({ name: 'x', include: '10.0.0.0/24', everyMinutes: 5 }, /schedule/);
});
