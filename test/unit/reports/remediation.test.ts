/** The remediation ledger: when a missing fix was first seen, and when an inventory proved it fixed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  batchFileSchema,
  batchFromFile,
  batchJson,
  ledgerFileSchema,
  ledgerFromFile,
  ledgerJson,
} from '../../../daemon/reports/ledger-file.js';
import {
  closedFindings,
  emptyLedger,
  type Ledger,
  ledgerSnapshot,
  type ObservedHost,
  observe,
  observeSteps,
} from '../../../daemon/reports/remediation.js';

const DAY = 86_400_000;
/** The ledger remediation.json's `text` holds, with the batch files of `batches` (text by name). */
const readBack = (text: string, batches = new Map<string, string>()): Ledger => {
  const { ledger, batches: names } = ledgerFromFile(
    'remediation.json',
    ledgerFileSchema.parse(JSON.parse(text)),
  );
  for (const name of names)
    ledger.fixed.push(
      batchFromFile(`${name}.json`, name, batchFileSchema.parse(JSON.parse(batches.get(name)!))),
    );
  return ledger;
};
/** `ledger` written as its files (in pieces of `per`) and read back. */
const roundTrip = (ledger: Ledger, per?: number): Ledger =>
  readBack(
    [...ledgerJson(ledger, per)].join(''),
    new Map(ledger.fixed.map((b) => [b.name, [...batchJson(b, per)].join('')])),
  );
const T0 = Date.parse('2026-11-01T12:00:00Z');
const fix = (advisoryId: string, severity: 'critical' | 'high' | 'unknown' = 'high') => ({
  feedId: 'debian',
  advisoryId,
  package: 'openssl',
  severity,
});
const host = (collectedAt: number, missing: ObservedHost['missing'], covered = true): ObservedHost => ({
  hostId: 'h1',
  covered,
  collectedAt: new Date(collectedAt).toISOString(),
  missing,
});

test('a finding opens when first seen and closes when a newer inventory no longer shows it', () => {
  const ledger = emptyLedger();
  assert.equal(observe(ledger, [host(T0, [fix('DSA-1'), fix('DSA-2')])], T0, 400), true);
  assert.equal(ledger.hosts.h1?.open.length, 2);
  assert.equal(ledger.hosts.h1?.open[0]?.firstSeen, new Date(T0).toISOString());
  // The same inventory assessed again a minute later: nothing changes, nothing to write.
  assert.equal(observe(ledger, [host(T0, [fix('DSA-1'), fix('DSA-2')])], T0 + 60_000, 400), false);
  // Three days later a new inventory shows DSA-1 installed.
  assert.equal(observe(ledger, [host(T0 + 3 * DAY, [fix('DSA-2')])], T0 + 3 * DAY, 400), true);
  assert.deepEqual(
    closedFindings(ledger).map((f) => [f.advisoryId, f.hostId, f.fixedAt]),
    [['DSA-1', 'h1', new Date(T0 + 3 * DAY).toISOString()]],
  );
  assert.deepEqual(
    ledger.hosts.h1?.open.map((f) => f.advisoryId),
    ['DSA-2'],
  );
});

test('a finding that vanishes with the same inventory (a feed changed) is dropped, never counted as fixed', () => {
  const ledger = emptyLedger();
  observe(ledger, [host(T0, [fix('DSA-1')])], T0, 400);
  assert.equal(observe(ledger, [host(T0, [])], T0 + DAY, 400), true);
  assert.deepEqual(ledger.fixed, []);
  assert.deepEqual(ledger.hosts.h1?.open, []);
});

test('a re-rated finding keeps its first sighting; new findings of a known host start now', () => {
  const ledger = emptyLedger();
  observe(ledger, [host(T0, [fix('DSA-1', 'unknown')])], T0, 400);
  observe(ledger, [host(T0, [fix('DSA-1', 'critical'), fix('DSA-9')])], T0 + DAY, 400);
  const [one, nine] = ledger.hosts.h1!.open;
  assert.equal(one?.severity, 'critical');
  assert.equal(one?.firstSeen, new Date(T0).toISOString());
  assert.equal(nine?.firstSeen, new Date(T0 + DAY).toISOString());
});

test('an uncovered host is left as it was; a host gone from the assessment takes its findings along', () => {
  const ledger = emptyLedger();
  observe(ledger, [host(T0, [fix('DSA-1')])], T0, 400);
  assert.equal(observe(ledger, [host(T0 + DAY, [], false)], T0 + DAY, 400), false);
  assert.equal(ledger.hosts.h1?.open.length, 1);
  assert.equal(observe(ledger, [], T0 + 2 * DAY, 400), true);
  assert.deepEqual(Object.keys(ledger.hosts), []);
  assert.deepEqual(ledger.fixed, []);
});

test('fixed findings are kept keepDays, then pruned', () => {
  const ledger = emptyLedger();
  observe(ledger, [host(T0, [fix('DSA-1')])], T0, 30);
  observe(ledger, [host(T0 + DAY, [])], T0 + DAY, 30);
  assert.equal(closedFindings(ledger).length, 1);
  assert.equal(observe(ledger, [host(T0 + DAY, [])], T0 + 30 * DAY, 30), false);
  assert.equal(observe(ledger, [host(T0 + DAY, [])], T0 + 32 * DAY, 30), true);
  assert.equal(closedFindings(ledger).length, 0);
});

test('a snapshot taken for a write keeps its figures while later observations change the ledger', () => {
  const ledger = emptyLedger();
  const many = Array.from({ length: 600 }, (_, i) => ({
    ...host(T0, [fix(`DSA-${i}`), fix('DSA-x')]),
    hostId: `h${i}`,
  }));
  observe(ledger, many, T0, 400);
  const snap = ledgerSnapshot(ledger);
  const before = JSON.stringify(snap);
  // DSA-x is fixed everywhere, one host leaves, another host is new.
  const later = many
    .slice(1)
    .map((h) => ({ ...h, collectedAt: new Date(T0 + DAY).toISOString(), missing: h.missing.slice(0, 1) }));
  observe(ledger, [...later, { ...host(T0 + DAY, [fix('DSA-9')]), hostId: 'new' }], T0 + DAY, 400);
  assert.equal(closedFindings(ledger).length, 599);
  assert.equal(JSON.stringify(snap), before, 'the snapshot is untouched');
  // Written in pieces, the text is the document, and it reads back as the same ledger.
  for (const doc of [snap, ledger, emptyLedger()]) assert.deepEqual(roundTrip(doc, 7), doc);
});

test('hosts that have had a finding since the same time share one record of it, also after a load', () => {
  const ledger = emptyLedger();
  const on = (hostId: string, missing: ObservedHost['missing'], at = T0): ObservedHost => ({
    ...host(at, missing),
    hostId,
  });
  observe(ledger, [on('h1', [fix('DSA-1'), fix('DSA-2')]), on('h2', [fix('DSA-1')])], T0, 400);
  // h3 first misses DSA-1 a day later: the same fix, another first sighting, so its own record.
  observe(
    ledger,
    [on('h1', [fix('DSA-1'), fix('DSA-2')]), on('h2', [fix('DSA-1')]), on('h3', [fix('DSA-1')])],
    T0 + DAY,
    400,
  );
  const [h1, h2, h3] = ['h1', 'h2', 'h3'].map((id) => ledger.hosts[id]!.open[0]!);
  assert.equal(h1, h2, 'one record for both hosts');
  assert.notEqual(h1, h3);
  assert.equal(h3?.firstSeen, new Date(T0 + DAY).toISOString());
  // As read back from the file: separate objects, shared again, the same document.
  const text = [...ledgerJson(ledger)].join('');
  const loaded = roundTrip(ledger);
  assert.equal(loaded.hosts.h1!.open[0], loaded.hosts.h2!.open[0]);
  assert.notEqual(loaded.hosts.h1!.open[0], loaded.hosts.h3!.open[0]);
  assert.deepEqual(JSON.parse([...ledgerJson(loaded)].join('')), JSON.parse(text));
  // Re-rated on one host only: that host's record changes, the other's stays as it was.
  observe(ledger, [on('h1', [fix('DSA-1', 'critical'), fix('DSA-2')]), on('h2', [fix('DSA-1')])], T0, 400);
  assert.equal(ledger.hosts.h1!.open[0]!.severity, 'critical');
  assert.equal(ledger.hosts.h2!.open[0]!.severity, 'high');
  assert.equal(ledger.hosts.h1!.open[0]!.firstSeen, ledger.hosts.h2!.open[0]!.firstSeen);
});

test('a big site is observed in pieces, and the pieces bring the ledger where one go does', () => {
  const hosts = Array.from({ length: 600 }, (_, i) => ({
    ...host(T0, [fix(`DSA-${i % 7}`)]),
    hostId: `h${i}`,
  }));
  const inOneGo = emptyLedger();
  assert.equal(observe(inOneGo, hosts, T0, 400), true);
  const inPieces = emptyLedger();
  const steps = observeSteps(inPieces, hosts, T0, 400, 250);
  let pauses = 0;
  let step = steps.next();
  for (; !step.done; step = steps.next()) {
    pauses++;
    // Part way: the hosts of the pieces so far, not the others yet.
    assert.equal(Object.keys(inPieces.hosts).length, pauses * 250);
  }
  assert.equal(pauses, 2);
  assert.equal(step.value, true);
  assert.deepEqual(inPieces, inOneGo);
});

/** The site of 200 hosts missing 40 fixes, DSA-0 fixed a day later on every host. */
const fixedOnce = (): Ledger => {
  const ledger = emptyLedger();
  const hosts = Array.from({ length: 200 }, (_, i) => ({
    ...host(
      T0,
      Array.from({ length: 40 }, (_, k) => fix(`DSA-${k}`, k % 3 ? 'high' : 'critical')),
    ),
    hostId: `h${i}`,
  }));
  observe(ledger, hosts, T0, 400);
  observe(
    ledger,
    hosts.map((h) => ({ ...h, collectedAt: new Date(T0 + DAY).toISOString(), missing: h.missing.slice(1) })),
    T0 + DAY,
    400,
  );
  return ledger;
};

/** `ledger` as version 1 and version 2 wrote it (every fixed finding in remediation.json). */
const oldVersions = (ledger: Ledger) => {
  const closed = closedFindings(ledger);
  const v1 = JSON.stringify({ version: 1, hosts: ledger.hosts, closed });
  const table: string[] = [];
  const indexOf = (f: (typeof closed)[number] | Ledger['hosts'][string]['open'][number]) => {
    const row = JSON.stringify([f.feedId, f.advisoryId, f.package, f.severity, f.firstSeen]);
    const i = table.indexOf(row);
    return i >= 0 ? i : table.push(row) - 1;
  };
  const v2 = JSON.stringify({
    version: 2,
    hosts: Object.fromEntries(
      Object.entries(ledger.hosts).map(([id, h]) => [
        id,
        { collectedAt: h.collectedAt, open: h.open.map(indexOf) },
      ]),
    ),
    closed: closed.map((f) => [indexOf(f), f.hostId, f.fixedAt]),
    findings: table.map((r) => JSON.parse(r)),
  });
  return { v1, v2 };
};

test('the ledger file: versions 1 and 2 still read, their fixed findings as one batch', () => {
  const ledger = fixedOnce();
  assert.equal(ledger.fixed.length, 1);
  assert.equal(ledger.fixed[0]!.hostIds.length, 200);
  assert.equal(ledger.fixed[0]!.lists.length, 1, 'hosts that fixed the same records share one list');
  const { v1, v2 } = oldVersions(ledger);
  for (const text of [v1, v2]) {
    const old = readBack(text);
    assert.deepEqual(old.hosts, ledger.hosts);
    assert.deepEqual(closedFindings(old), closedFindings(ledger));
    assert.equal(old.fixed[0]!.name, String(T0 + DAY));
    assert.equal(old.hosts.h1!.open[3], old.hosts.h2!.open[3], 'shared after an old version is read');
    assert.equal(old.fixed[0]!.lists.length, 1);
    assert.deepEqual(roundTrip(old), old, 'written as version 3 at the next change');
  }
  const closedPast = JSON.parse(v2);
  closedPast.closed[5][0] = 40;
  assert.throws(() => readBack(JSON.stringify(closedPast)), /fixed finding 5 names finding 40/);
});

test('the ledger file: version 3 writes each open finding once and fixes as their own files', () => {
  const ledger = fixedOnce();
  const main = [...ledgerJson(ledger)].join('');
  const batch = [...batchJson(ledger.fixed[0]!)].join('');
  const doc = JSON.parse(main);
  assert.equal(doc.version, 3);
  assert.deepEqual(doc.fixed, [String(T0 + DAY)]);
  assert.equal(doc.findings.length, 39, 'one record per distinct open finding');
  assert.deepEqual(JSON.parse(batch).lists, [[0]], 'one list for the 200 hosts');
  const { v2 } = oldVersions(ledger);
  assert.ok(
    main.length + batch.length < v2.length,
    `version 3 is ${main.length + batch.length} bytes, 2 ${v2.length}`,
  );
  const loaded = roundTrip(ledger);
  assert.deepEqual(loaded, ledger);
  assert.equal(loaded.hosts.h1!.open[3], loaded.hosts.h2!.open[3]);
  // An index past the table, or not an index: the file is reported, never read as other findings.
  doc.hosts.h7.open.push(39);
  assert.throws(
    () => readBack(JSON.stringify(doc)),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STORE_CORRUPT');
      assert.match(e.message, /host "h7" names finding 39, but the file lists 39/);
      return true;
    },
  );
  const b = JSON.parse(batch);
  const badBatch = (mutate: (d: typeof b) => void) => {
    const d = structuredClone(b);
    mutate(d);
    return () => batchFromFile('f.json', 'f', batchFileSchema.parse(d));
  };
  assert.throws(
    badBatch((d) => (d.lists[0][0] = 1)),
    /f\.json: list 0 names finding 1, but the file lists 1/,
  );
  assert.throws(
    badBatch((d) => (d.list[3] = 1)),
    /host entry 3 names list 1, but the file has 1/,
  );
  assert.throws(badBatch((d) => (d.fixedAt[3] = 'yesterday')));
  // Absurd times would keep a batch from ever being pruned.
  assert.throws(badBatch((d) => (d.at = 1e300)));
  assert.throws(badBatch((d) => (d.fixedAt[0] = -1)));
  assert.throws(badBatch((d) => (d.at = Date.UTC(2101, 0, 1))));
  assert.throws(
    badBatch((d) => d.fixedAt.pop()),
    /200 hosts, 199 fix times and 200 lists do not line up/,
  );
  for (const bad of [-1, 1.5, '3'])
    assert.throws(() =>
      readBack(JSON.stringify({ ...doc, hosts: { h1: { collectedAt: 'x', open: [bad] } }, fixed: [] })),
    );
  // A batch name is a file name under fixed/: nothing else, never a path.
  for (const name of ['../history', 'a/b', '', '1.json', '12-x'])
    assert.throws(() => readBack(JSON.stringify({ ...doc, hosts: {}, fixed: [name] })), /fixed/);
  assert.throws(() => readBack(JSON.stringify({ ...doc, version: 4 })));
  const proto = readBack(
    JSON.stringify({ ...doc, hosts: { ['__proto__']: { collectedAt: 'x', open: [1] } }, fixed: [] }),
  );
  assert.equal(Object.getPrototypeOf(proto.hosts), null);
  assert.deepEqual(Object.keys(proto.hosts), [], 'dropped by the schema, never made the prototype');
});

test('host ids such as __proto__ and constructor are hosts like any other', () => {
  const ledger = emptyLedger();
  const at = '2026-12-01T10:00:00.000Z';
  const missing = [{ feedId: 'debian', advisoryId: 'DSA-1', package: 'curl', severity: 'high' as const }];
  const round = (miss: typeof missing) =>
    ['__proto__', 'constructor', 'toString'].map((hostId) => ({
      hostId,
      covered: true,
      collectedAt: at,
      missing: miss,
    }));
  observe(ledger, round(missing), Date.parse(at) + 1000, 400);
  assert.deepEqual(Object.keys(ledger.hosts).sort(), ['__proto__', 'constructor', 'toString']);
  observe(
    ledger,
    round([]).map((h) => ({ ...h, collectedAt: '2026-12-02T10:00:00.000Z' })),
    Date.parse(at) + 2 * 86_400_000,
    400,
  );
  const host = (hosts: Ledger['hosts'], id: string) => Object.getOwnPropertyDescriptor(hosts, id)?.value;
  assert.equal(host(ledger.hosts, '__proto__')?.open.length, 0);
  assert.equal(host(ledgerSnapshot(ledger).hosts, 'constructor')?.open.length, 0);
});
