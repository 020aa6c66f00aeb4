/**
 * The remediation ledger on disk (DATA_DIR/reports/remediation.json). Version 2 writes each
 * distinct open finding once, in a table, and each host's open findings as indexes into it: hosts
 * share their records in memory (see remediation.ts), and the file now does too. At 5,000 hosts
 * missing ~40 fixes each, version 1 wrote every finding in full per host (26 MB after every
 * assessment, on an SD card); version 2 writes a few MB. Version 1 files are still read (and
 * written as version 2 at the next change).
 *
 * { "version": 2,
 *   "hosts": { "<id>": { "collectedAt": "...", "open": [0, 5, ...] }, ... },
 *   "closed": [[<finding>, "<host id>", "<fixed at>"], ...],
 *   "findings": [["<feed>", "<advisory>", "<package>", "<severity>", "<first seen>"], ...] }
 *
 * Fixed findings name their record in the same table (kept for a year, they outgrow the open ones
 * after a few patch rounds).
 */
import { z } from 'zod';
import { severities } from '../catalog/model.js';
import { DepotError } from '../errors.js';
import { type Ledger, ledgerSchema, type OpenFinding, shareFindings } from './remediation.js';

const iso = z.string().min(1);

const compactSchema = z.object({
  version: z.literal(2),
  hosts: z.record(z.string(), z.object({ collectedAt: iso, open: z.array(z.number().int().nonnegative()) })),
  closed: z.array(z.tuple([z.number().int().nonnegative(), z.string(), iso])),
  findings: z.array(z.tuple([z.string(), z.string(), z.string(), z.enum(severities), iso])),
});

/** What remediation.json may hold: either version. */
export const ledgerFileSchema = z.discriminatedUnion('version', [ledgerSchema, compactSchema]);
export type LedgerFile = z.infer<typeof ledgerFileSchema>;

/** The ledger a file holds, its open findings shared between hosts; STORE_CORRUPT for an index past the table. */
export const ledgerFromFile = (path: string, doc: LedgerFile): Ledger => {
  if (doc.version === 1) return shareFindings(doc);
  const records: OpenFinding[] = doc.findings.map(([feedId, advisoryId, pkg, severity, firstSeen]) => ({
    feedId,
    advisoryId,
    package: pkg,
    severity,
    firstSeen,
  }));
  const record = (i: number, where: string): OpenFinding => {
    const f = records[i];
    if (f) return f;
    throw new DepotError(
      'STORE_CORRUPT',
      `${path}: ${where} names finding ${i}, but the file lists ${records.length}; restore a backup or move it aside`,
    );
  };
  // fromEntries defines each key: a damaged file's "__proto__" is a host like any other, not the prototype.
  const hosts: Ledger['hosts'] = Object.fromEntries(
    Object.entries(doc.hosts).map(([id, rec]) => [
      id,
      { collectedAt: rec.collectedAt, open: rec.open.map((i) => record(i, `host ${JSON.stringify(id)}`)) },
    ]),
  );
  const closed = doc.closed.map(([i, hostId, fixedAt], n) => ({
    ...record(i, `fixed finding ${n}`),
    hostId,
    fixedAt,
  }));
  return { version: 1, hosts, closed };
};

/**
 * The ledger as version 2 JSON text, in pieces of `per` hosts or findings (a few ms each at 5,000
 * hosts, so a page request waits little behind one): a writer awaits each piece, so the document
 * never exists as one string and the event loop breathes in between. The findings table comes
 * last: each record gets its index the first time a host or a fixed finding names it.
 */
export function* ledgerJson(ledger: Ledger, per = 100): Generator<string> {
  const table = new FindingTable();
  yield '{"version":2,"hosts":{';
  const ids = Object.keys(ledger.hosts);
  for (let i = 0; i < ids.length; i += per) {
    const part = ids.slice(i, i + per).map((id) => {
      const rec = ledger.hosts[id]!;
      const open = rec.open.map((f) => table.indexOf(f)).join(',');
      return `${JSON.stringify(id)}:{"collectedAt":${JSON.stringify(rec.collectedAt)},"open":[${open}]}`;
    });
    yield `${i ? ',' : ''}${part.join(',')}`;
  }
  yield '},"closed":[';
  for (let i = 0; i < ledger.closed.length; i += per) {
    const part = ledger.closed
      .slice(i, i + per)
      .map((f) => `[${table.indexOf(f)},${JSON.stringify(f.hostId)},${JSON.stringify(f.fixedAt)}]`);
    yield `${i ? ',' : ''}${part.join(',')}`;
  }
  yield '],"findings":[';
  const { records } = table;
  for (let i = 0; i < records.length; i += per) {
    const part = records
      .slice(i, i + per)
      .map((f) => JSON.stringify([f.feedId, f.advisoryId, f.package, f.severity, f.firstSeen]));
    yield `${i ? ',' : ''}${part.join(',')}`;
  }
  yield ']}\n';
}

/** The findings table being written: an index per distinct record, by object first, else by content. */
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
      this.records.push({
        feedId: f.feedId,
        advisoryId: f.advisoryId,
        package: f.package,
        severity: f.severity,
        firstSeen: f.firstSeen,
      });
      this.byContent.set(key, i);
    }
    this.byObject.set(f, i);
    return i;
  }
}
