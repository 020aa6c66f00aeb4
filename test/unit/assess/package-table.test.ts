/**
 * The package table behind assessment (daemon/assess/package-table.ts): one value per distinct
 * (name, version, source, source version), whichever variant of a name is its common one at the
 * time, and assessment results that do not depend on which hosts came before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssessMemo, assessHost, missingFixesOf } from '../../../daemon/assess/assess.js';
import { PackageTable } from '../../../daemon/assess/package-table.js';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import type { HostInventory, InstalledPackage } from '../../../daemon/inventory/types.js';
import { Rng } from '../../support/prng.js';
import { fixture } from '../catalog/version-gen.js';

const keyOf = (p: InstalledPackage): string => JSON.stringify([p.name, p.version, p.source, p.sourceVersion]);

/** A table whose values number the distinct packages in the order they were first resolved. */
const numbering = () => {
  const resolved: string[] = [];
  const table = new PackageTable((p) => resolved.push(keyOf(p)) - 1);
  return { table, resolved };
};

describe('package table', () => {
  it('one value per distinct (name, version, source, source version); equal strings match', () => {
    const { table, resolved } = numbering();
    const a = table.get({ name: 'libssl3', version: '3.0.1-1', source: 'openssl' });
    // Equal content in another string object, as every inventory read from disk has.
    const again = JSON.parse('{"name":"libssl3","version":"3.0.1-1","source":"openssl"}') as InstalledPackage;
    assert.equal(table.get(again), a);
    const b = table.get({ name: 'libssl3', version: '3.0.2-1', source: 'openssl' });
    const c = table.get({
      name: 'libssl3',
      version: '3.0.1-1',
      source: 'openssl',
      sourceVersion: '3.0.1-1+b1',
    });
    const d = table.get({ name: 'libssl3', version: '3.0.1-1' });
    const e = table.get({ name: 'libssl3', version: '3.0.1-1', source: 'openssl3' });
    assert.equal(new Set([a, b, c, d, e]).size, 5);
    assert.equal(resolved.length, 5, 'each distinct package resolved once');
    for (let i = 0; i < 3; i++) {
      assert.equal(table.get({ name: 'libssl3', version: '3.0.1-1' }), d);
      assert.equal(table.get({ name: 'libssl3', version: '3.0.2-1', source: 'openssl' }), b);
      assert.equal(
        table.get({ name: 'libssl3', version: '3.0.1-1', source: 'openssl', sourceVersion: '3.0.1-1+b1' }),
        c,
      );
    }
    assert.equal(resolved.length, 5);
    assert.equal(table.size, 5);
  });

  it('agrees with a plain map on a fleet whose common versions shift (fleet upgrades, stragglers)', () => {
    const r = new Rng(42);
    const names = Array.from({ length: 30 }, (_, i) => `pkg${i}`);
    const { table, resolved } = numbering();
    const reference = new Map<string, number>();
    for (let step = 0; step < 20_000; step++) {
      // The fleet's current version of each name moves on every 2,000 lookups; some hosts lag.
      const era = Math.floor(step / 2000) - (r.chance(0.2) ? r.int(3) : 0);
      const name = r.pick(names);
      const p: InstalledPackage = { name, version: `1.${Math.max(0, era)}-1` };
      if (r.chance(0.5)) p.source = r.chance(0.9) ? 'src' : 'other-src';
      if (r.chance(0.3)) p.sourceVersion = `1.${Math.max(0, era)}-1+b${r.int(2)}`;
      const got = table.get(JSON.parse(JSON.stringify(p)) as InstalledPackage);
      const key = keyOf(p);
      if (!reference.has(key)) reference.set(key, reference.size);
      assert.equal(resolved[got], key, `step ${step}`);
    }
    assert.equal(resolved.length, reference.size, 'no package resolved twice');
    assert.equal(table.size, reference.size);
  });
});

describe('assessment with a shared memo: binaries vs source packages', () => {
  const bookworm = { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' };
  const index = new CatalogIndex(1);
  index.add('debian', parseDebianTracker(fixture('catalog/debian-tracker.json')).advisories);
  const host = (hostId: string, packages: InstalledPackage[]): HostInventory => ({
    hostId,
    collectedAt: '2026-11-23T10:00:00.000Z',
    os: bookworm,
    kernel: '6.1.0-40-amd64',
    packages,
    ecosystem: 'dpkg',
    rebootRequired: false,
  });
  // One binary name and version, three packages: the source version decides (a binNMU of an
  // unfixed source, the fixed source), and without source information the name is guessed.
  const unfixed = {
    name: 'libexpat1',
    version: '2.5.0-1+deb12u1',
    source: 'expat',
    sourceVersion: '2.5.0-1+deb12u1',
  };
  const fixedSource = { ...unfixed, sourceVersion: '2.5.0-1+deb12u2' };
  const guessed = { name: 'libexpat1', version: '2.5.0-1+deb12u1' };
  const fixedGuessed = { name: 'libexpat1', version: '2.5.0-1+deb12u2' };
  const expected = new Map<InstalledPackage, string[]>([
    [unfixed, ['CVE-2024-8176 expat libexpat1 2.5.0-1+deb12u1']],
    [fixedSource, []],
    [guessed, ['CVE-2024-8176 expat libexpat1 2.5.0-1+deb12u1']],
    [fixedGuessed, []],
  ]);
  const rows = (inv: HostInventory, memo?: AssessMemo) =>
    missingFixesOf(assessHost(inv, index, memo)).map(
      (m) => `${m.advisoryId} ${m.package} ${m.binaries.join(',')} ${m.installed}`,
    );

  it('whatever variant most hosts run, each host gets what it gets alone', () => {
    const memo = new AssessMemo(index.generation);
    const r = new Rng(7);
    const variants = [...expected.keys()];
    for (let i = 0; i < 400; i++) {
      // Runs of one variant (so it becomes the common one), then another.
      const p = variants[Math.floor(i / 50) % variants.length]!;
      const q = r.chance(0.3) ? r.pick(variants) : p;
      const inv = host(`h${i}`, [JSON.parse(JSON.stringify(q)) as InstalledPackage]);
      assert.deepEqual(rows(inv, memo), expected.get(q), `host ${i}: ${JSON.stringify(q)}`);
      assert.deepEqual(rows(inv, memo), rows(inv), `host ${i}`);
    }
  });

  it('binaries of one source on one host are one finding listing every binary', () => {
    const memo = new AssessMemo(index.generation);
    const two = host('two', [unfixed, { ...unfixed, name: 'libexpat1-dev' }]);
    assert.deepEqual(rows(two, memo), ['CVE-2024-8176 expat libexpat1,libexpat1-dev 2.5.0-1+deb12u1']);
    // Fewer, more or other binaries than the host before: each host lists exactly its own.
    const dev = { ...unfixed, name: 'libexpat1-dev' };
    const sets: [string, InstalledPackage[]][] = [
      ['libexpat1', [unfixed]],
      ['libexpat1,libexpat1-dev', [unfixed, dev]],
      ['libexpat1-dev', [dev]],
      ['libexpat1-dev,libexpat1', [dev, unfixed]],
      ['libexpat1,libexpat1-dev', [unfixed, dev]],
    ];
    for (const [i, [binaries, packages]] of sets.entries())
      assert.deepEqual(rows(host(`s${i}`, packages), memo), [
        `CVE-2024-8176 expat ${binaries} 2.5.0-1+deb12u1`,
      ]);
    const [g1, g2] = [0, 1].map(
      (i) => assessHost(host(`g${i}`, [unfixed, dev]), index, memo).findings.groups[0],
    );
    assert.equal(g1, g2, 'hosts with the same binaries share one group');
    // The same source at another version on the next host is its own finding.
    const other = host('other', [{ ...unfixed, sourceVersion: '2.5.0-1' }]);
    assert.deepEqual(rows(other, memo), ['CVE-2024-8176 expat libexpat1 2.5.0-1']);
  });
});
