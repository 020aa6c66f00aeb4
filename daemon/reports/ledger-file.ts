/**
 * The remediation ledger on disk (DATA_DIR/reports/). remediation.json holds the open findings:
 * each distinct record once, in a table, and each host's open findings as indexes into it (hosts
 * share their records in memory, see remediation.ts, and the file does too). It is replaced after
 * every assessment that changes it. What an observation proved fixed is its own file,
 * fixed/NAME.json, written once and deleted when the history no longer keeps it: a year of fixes
 * at a big site is never rewritten (version 2 rewrote every fixed finding with the open ones: 185
 * MB after every assessment, a year into a 5,000-host site).
 *
 * { "version": 3,
 *   "hosts": { "<id>": { "collectedAt": "...", "open": [0, 5, ...] }, ... },
 *   "findings": [["<feed>", "<advisory>", "<package>", "<severity>", "<first seen>"], ...],
 *   "fixed": ["<batch name>", ...] }                          the batches it stands on, oldest first
 *
 * fixed/NAME.json:
 * { "version": 1, "at": <ms>,
 *   "hosts": ["<id>", ...], "fixedAt": [<ms>, ...], "list": [<index into lists>, ...],
 *   "lists": [[<index into findings>, ...], ...], "findings": [[...as above...], ...] }
 * (one column per field: a year of batches at 5,000 hosts reads in tens of ms)
 *
 * remediation.json is the commit point: a batch it does not name is left over from a write that
 * was cut short (its fixes are still open in remediation.json and are found fixed again) and is
 * deleted at start. Versions 1 and 2 (every fixed finding in remediation.json) are still read;
 * their fixed findings become one batch, written at the next change.
 */
import { z } from 'zod';
import { severities } from '../catalog/model.js';
import { DepotError } from '../errors.js';
import {
  type FixedBatch,
  FixedBuilder,
  type HostFindings,
  hostTable,
  type Ledger,
  type OpenFinding,
  shareFindings,
} from './remediation.js';

const iso = z.string().min(1);
const index = z.number().int().nonnegative();
/**
 * A time in ms, within this century: an absurd one (1e300, damage or a planted file) would keep its
 * batch from ever being pruned, so it is STORE_CORRUPT. Not checked against the clock, which a
 * Raspberry Pi without a real-time clock may have wrong until NTP sets it.
 */
const ms = z
  .number()
  .int()
  .min(Date.UTC(2000, 0, 1))
  .max(Date.UTC(2100, 0, 1));
const openSchema = z.object({
  feedId: z.string(),
  advisoryId: z.string(),
  package: z.string(),
  severity: z.enum(severities),
  firstSeen: iso,
});
const recordSchema = z.tuple([z.string(), z.string(), z.string(), z.enum(severities), iso]);
const hostsSchema = z.record(z.string(), z.object({ collectedAt: iso, open: z.array(index) }));

const v1Schema = z.object({
  version: z.literal(1),
  hosts: z.record(z.string(), z.object({ collectedAt: iso, open: z.array(openSchema) })),
  closed: z.array(openSchema.extend({ hostId: z.string(), fixedAt: iso })),
});
const v2Schema = z.object({
  version: z.literal(2),
  hosts: hostsSchema,
  closed: z.array(z.tuple([index, z.string(), iso])),
  findings: z.array(recordSchema),
});
/** A batch's name: its file is fixed/NAME.json (nothing else in that directory is touched). */
export const batchNamePattern = /^[0-9]{1,15}(-[0-9]{1,6})?$/;
const v3Schema = z.object({
  version: z.literal(3),
  hosts: hostsSchema,
  findings: z.array(recordSchema),
  // A name listed twice would read its batch twice: every fix in it counted twice.
  fixed: z
    .array(z.string().regex(batchNamePattern))
    .refine((names) => new Set(names).size === names.length, 'names a batch twice'),
});

/** What remediation.json may hold: any version. */
export const ledgerFileSchema = z.discriminatedUnion('version', [v1Schema, v2Schema, v3Schema]);
export type LedgerFile = z.infer<typeof ledgerFileSchema>;

export const batchFileSchema = z.object({
  version: z.literal(1),
  at: ms,
  hosts: z.array(z.string()),
  fixedAt: z.array(ms),
  list: z.array(index),
  lists: z.array(z.array(index)),
  findings: z.array(recordSchema),
});
export type BatchFile = z.infer<typeof batchFileSchema>;

type RecordRow = z.infer<typeof recordSchema>;

/** The records of a table, and a lookup that is STORE_CORRUPT for an index past it. */
const tableOf = (path: string, rows: readonly RecordRow[]) => {
  const records: OpenFinding[] = rows.map(([feedId, advisoryId, pkg, severity, firstSeen]) => ({
    feedId,
    advisoryId,
    package: pkg,
    severity,
    firstSeen,
  }));
  return (i: number, where: string): OpenFinding => {
    const f = records[i];
    if (f) return f;
    throw corrupt(path, `${where} names finding ${i}, but the file lists ${records.length}`);
  };
};

const corrupt = (path: string, what: string) =>
  new DepotError('STORE_CORRUPT', `${path}: ${what}; restore a backup or move it aside`);

/** Hosts read through their table, in a table without a prototype (a "__proto__" host is a host). */
const hostsOf = (
  doc: { hosts: z.infer<typeof hostsSchema> },
  record: (i: number, where: string) => OpenFinding,
): Record<string, HostFindings> =>
  hostTable(
    Object.fromEntries(
      Object.entries(doc.hosts).map(([id, rec]) => [
        id,
        { collectedAt: rec.collectedAt, open: rec.open.map((i) => record(i, `host ${JSON.stringify(id)}`)) },
      ]),
    ),
  );

/** Version 1 and 2's fixed findings as one batch (hosts fixing the same records share them). */
const migratedBatch = (
  path: string,
  closed: ReadonlyArray<{ f: OpenFinding; hostId: string; fixedAt: string }>,
) => {
  const byHost = new Map<string, { hostId: string; fixedAt: number; records: Set<OpenFinding> }>();
  // One record per distinct finding (version 1 wrote each in full), so that hosts can share lists.
  const records = new Map<string, OpenFinding>();
  for (const [n, { f: read, hostId, fixedAt }] of closed.entries()) {
    // A fix time that is no time was dropped without a word, and the fix with it at the next write.
    if (!Number.isFinite(Date.parse(fixedAt)))
      throw corrupt(path, `fixed finding ${n} has the fix time ${JSON.stringify(fixedAt)}`);
    const content = recordText(read);
    const f = records.get(content) ?? read;
    records.set(content, f);
    const key = `${hostId}\0${fixedAt}`;
    let entry = byHost.get(key);
    if (!entry) {
      entry = { hostId, fixedAt: Date.parse(fixedAt), records: new Set() };
      byHost.set(key, entry);
    }
    // The same fix listed twice (a hand-edited file) is one fix, not two.
    entry.records.add(f);
  }
  const builder = new FixedBuilder();
  let at = 0;
  for (const e of byHost.values()) {
    builder.add(e.hostId, e.fixedAt, [...e.records]);
    at = Math.max(at, e.fixedAt);
  }
  return builder.size ? [builder.build(String(at), at)] : [];
};

/**
 * The ledger remediation.json holds, its open findings shared between hosts, and the names of
 * the batch files it stands on (read them with `batchFromFile`, in order, into `ledger.fixed`).
 * STORE_CORRUPT for an index past the table.
 */
export const ledgerFromFile = (path: string, doc: LedgerFile): { ledger: Ledger; batches: string[] } => {
  if (doc.version === 1) {
    const hosts = shareFindings(Object.fromEntries(Object.entries(doc.hosts)));
    const closed = doc.closed.map(({ hostId, fixedAt, ...f }) => ({ f, hostId, fixedAt }));
    return { ledger: { hosts, fixed: migratedBatch(path, closed) }, batches: [] };
  }
  const record = tableOf(path, doc.findings);
  const hosts = hostsOf(doc, record);
  if (doc.version === 3) return { ledger: { hosts, fixed: [] }, batches: doc.fixed };
  const closed = doc.closed.map(([i, hostId, fixedAt], n) => ({
    f: record(i, `fixed finding ${n}`),
    hostId,
    fixedAt,
  }));
  return { ledger: { hosts, fixed: migratedBatch(path, closed) }, batches: [] };
};

/**
 * The batch fixed/NAME.json holds; STORE_CORRUPT for an index past its tables. `hostId` may give
 * the one string the daemon already holds for an id (a year of batches names each host 12 times).
 */
export const batchFromFile = (
  path: string,
  name: string,
  doc: BatchFile,
  hostId: (id: string) => string = (id) => id,
): FixedBatch => {
  const record = tableOf(path, doc.findings);
  const lists = doc.lists.map((list, n) => list.map((i) => record(i, `list ${n}`)));
  if (doc.fixedAt.length !== doc.hosts.length || doc.list.length !== doc.hosts.length)
    throw corrupt(
      path,
      `${doc.hosts.length} hosts, ${doc.fixedAt.length} fix times and ${doc.list.length} lists do not line up`,
    );
  doc.list.forEach((list, n) => {
    if (list >= lists.length)
      throw corrupt(path, `host entry ${n} names list ${list}, but the file has ${lists.length}`);
  });
  return {
    name,
    at: doc.at,
    hostIds: doc.hosts.map(hostId),
    fixedAt: Float64Array.from(doc.fixedAt),
    list: Uint32Array.from(doc.list),
    lists,
  };
};

/** Pieces of `items` mapped to text, `per` at a time, joined by commas across pieces. */
function* joined<T>(items: readonly T[], per: number, text: (item: T) => string): Generator<string> {
  for (let i = 0; i < items.length; i += per)
    yield `${i ? ',' : ''}${items
      .slice(i, i + per)
      .map(text)
      .join(',')}`;
}

const recordText = (f: OpenFinding): string =>
  JSON.stringify([f.feedId, f.advisoryId, f.package, f.severity, f.firstSeen]);

/**
 * remediation.json (version 3) as text, in pieces of `per` hosts or findings (a few ms each at
 * 5,000 hosts, so a page request waits little behind one): a writer awaits each piece, so the
 * document never exists as one string and the event loop breathes in between. The findings table
 * comes after the hosts: each record gets its index the first time a host names it.
 */
export function* ledgerJson(ledger: Ledger, per = 100): Generator<string> {
  const table = new FindingTable();
  yield '{"version":3,"hosts":{';
  yield* joined(Object.keys(ledger.hosts), per, (id) => {
    const rec = ledger.hosts[id]!;
    const open = rec.open.map((f) => table.indexOf(f)).join(',');
    return `${JSON.stringify(id)}:{"collectedAt":${JSON.stringify(rec.collectedAt)},"open":[${open}]}`;
  });
  yield '},"findings":[';
  yield* joined(table.records, per, recordText);
  yield `],"fixed":${JSON.stringify(ledger.fixed.map((b) => b.name))}}\n`;
}

/** fixed/NAME.json of `batch` as text, in pieces of `per` entries or findings. */
export function* batchJson(batch: FixedBatch, per = 200): Generator<string> {
  const table = new FindingTable();
  const lists = batch.lists.map((list) => `[${list.map((f) => table.indexOf(f)).join(',')}]`);
  yield `{"version":1,"at":${batch.at},"hosts":[`;
  yield* joined(batch.hostIds, per, (id) => JSON.stringify(id));
  yield '],"fixedAt":[';
  yield* joined([...batch.fixedAt], per, String);
  yield '],"list":[';
  yield* joined([...batch.list], per, String);
  yield '],"lists":[';
  yield* joined(lists, per, (l) => l);
  yield '],"findings":[';
  yield* joined(table.records, per, recordText);
  yield ']}\n';
}

/** A table being written: an index per distinct record, by object first, else by content. */
class FindingTable {
  readonly records: OpenFinding[] = [];
  private readonly byObject = new Map<OpenFinding, number>();
  private readonly byContent = new Map<string, number>();

  indexOf(f: OpenFinding): number {
    let i = this.byObject.get(f);
    if (i !== undefined) return i;
    const key = `${f.feedId}\0${f.advisoryId}\0${f.package}\0${f.severity}\0${f.firstSeen}`;
    i = this.byContent.get(key);
    if (i === undefined) {
      i = this.records.length;
      this.records.push(f);
      this.byContent.set(key, i);
    }
    this.byObject.set(f, i);
    return i;
  }
}
