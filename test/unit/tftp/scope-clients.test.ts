import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBlock, type ScopeTargets } from '../../../daemon/discovery/scope.js';
import { ScopeClients } from '../../../daemon/tftp/scope-clients.js';

const counted = () => {
  let parses = 0;
  const parse = (e: string) => {
    parses++;
    return parseBlock(e);
  };
  return { parse, parses: () => parses };
};

test('scopes are parsed once, not per datagram', () => {
  const scopes: ScopeTargets[] = [{ include: ['10.0.0.0/24'], exclude: ['10.0.0.9'] }];
  const c = counted();
  const list = new ScopeClients(() => scopes, c.parse);
  for (let i = 0; i < 1000; i++) list.allows(`10.0.0.${i % 256}`);
  assert.equal(c.parses(), 2);
  assert.equal(list.allows('10.0.0.5'), true);
  assert.equal(list.allows('::ffff:10.0.0.5'), true);
  assert.equal(list.allows('10.0.0.9'), false, 'excluded');
  assert.equal(list.allows('10.0.1.5'), false, 'outside');
  assert.equal(list.allows('fe80::1'), false, 'not IPv4');
});

test('a scope added, edited in place or removed is seen at the next datagram', () => {
  // The store edits its scope list in place (push, Object.assign, a new filtered list).
  let scopes: ScopeTargets[] = [{ include: ['10.0.0.0/24'], exclude: [] }];
  const c = counted();
  const list = new ScopeClients(() => scopes, c.parse);
  assert.equal(list.allows('192.168.1.7'), false);
  scopes.push({ include: ['192.168.1.0/24'], exclude: [] });
  assert.equal(list.allows('192.168.1.7'), true, 'a pushed scope');
  Object.assign(scopes[1]!, { include: ['192.168.1.0/24'], exclude: ['192.168.1.7'] });
  assert.equal(list.allows('192.168.1.7'), false, 'an edited exclude list');
  scopes = scopes.filter((s) => s.include[0] !== '10.0.0.0/24');
  assert.equal(list.allows('10.0.0.1'), false, 'a deleted scope');
  const before = c.parses();
  list.allows('192.168.1.8');
  assert.equal(c.parses(), before, 'no change, no parse');
});

test('a bad entry in hand-edited state matches nothing and breaks nothing', () => {
  const list = new ScopeClients(() => [{ include: ['nonsense', '10.1.0.0/16'], exclude: ['also bad'] }]);
  assert.equal(list.allows('10.1.2.3'), true);
});
