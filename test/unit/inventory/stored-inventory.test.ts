import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStoredInventory } from '../../../daemon/inventory/stored-inventory.js';
import { hostInventorySchema } from '../../../daemon/inventory/types.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';

const base = {
  hostId: 'h1',
  collectedAt: '2026-12-04T10:00:00.000Z',
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' },
  kernel: '6.1.0',
  packages: [] as unknown[],
  ecosystem: 'dpkg',
  rebootRequired: false,
};

/** What the schema says of `value`: its data, or its error message. */
const schemaSays = (value: unknown) => {
  const r = hostInventorySchema.safeParse(value);
  return r.success ? { ok: r.data } : { error: r.error.message };
};
const storedSays = (value: unknown) => {
  try {
    return { ok: parseStoredInventory(value) };
  } catch (err) {
    return { error: (err as Error).message };
  }
};

const KEYS = [
  'name',
  'version',
  'arch',
  'source',
  'sourceVersion',
  'extra',
  '__proto__',
  'constructor',
  'toString',
];
const stringOf = (len: number): string => 'x'.repeat(len);
/** A package that is valid, or one field or key away from it, or not an object at all. */
const mutant = (r: Rng): unknown => {
  const roll = r.int(12);
  if (roll === 0) return r.pick([null, 1, 'libc6', [], true, [{ name: 'a', version: '1' }]]);
  const p: Record<string, unknown> = { name: 'libc6', version: '2.36-9' };
  if (r.chance(0.5)) p.arch = 'amd64';
  if (r.chance(0.3)) p.source = 'glibc';
  if (r.chance(0.2)) p.sourceVersion = '2.36-9+b1';
  if (roll <= 4) {
    const key = r.pick(KEYS);
    const max = key === 'arch' ? 64 : 256;
    const value = r.pick<unknown>([
      '',
      stringOf(max),
      stringOf(max + 1),
      stringOf(1),
      undefined,
      null,
      7,
      {},
      ['a'],
    ]);
    // As JSON.parse makes it: an own data property, even for `__proto__`.
    Object.defineProperty(p, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (roll === 5) delete p[r.pick(['name', 'version'])];
  return p;
};

describe('stored inventories', () => {
  it('the hand check of packages accepts and refuses exactly what the schema does, with its messages', () => {
    const run = fuzzRun(20_000);
    const r = new Rng(run.seed);
    for (let i = 0; i < run.count; i++) {
      const packages = Array.from({ length: r.int(4) }, () => mutant(r));
      const value: Record<string, unknown> = { ...base, packages };
      if (r.chance(0.1)) value.hostId = r.pick(['', 7, 'x'.repeat(129)]);
      if (r.chance(0.05)) delete value.packages;
      if (r.chance(0.05)) value.extra = 1;
      assert.deepEqual(storedSays(value), schemaSays(value), `${run.replay}: ${JSON.stringify(value)}`);
    }
  });

  it('a record from JSON with a __proto__ key in a package is refused, not taken in', () => {
    const value = JSON.parse(
      '{"hostId":"h1","collectedAt":"2026-12-04T10:00:00.000Z","os":{"id":"debian","versionId":"12","codename":"b","prettyName":"D"},"kernel":"6","packages":[{"name":"a","version":"1","__proto__":{"polluted":1}}],"ecosystem":"dpkg","rebootRequired":false}',
    );
    assert.throws(() => parseStoredInventory(value), /Unrecognized key/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('a valid record keeps its package objects (no copy) and the schema\u2019s head', () => {
    const packages = [{ name: 'libc6', version: '2.36-9', arch: 'amd64', source: 'glibc' }];
    const inv = parseStoredInventory({ ...base, packages });
    assert.equal(inv.packages, packages);
    assert.deepEqual(inv, hostInventorySchema.parse({ ...base, packages }));
  });
});
