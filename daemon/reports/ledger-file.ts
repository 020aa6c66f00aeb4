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
 *   "findings": [["<feed>", "<advisory>", "<package>", "<severity>", "<first seen>"], ...],
 *   "closed": [ ...as in version 1 ] }
 */
import { z } from 'zod';
import { severities } from '../catalog/model.js';
import { DepotError } from '../errors.js';
import { type Ledger, ledgerSchema, type OpenFinding, shareFindings } from './remediation.js';

const iso = z.string().min(1);

const compactSchema = z.object({
  version: z.literal(2),
  hosts: z.record(z.string(), z.object({ collectedAt: iso, open: z.array(z.number().int().nonnegative()) })),
  findings: z.array(z.tuple([z.string(), z.string(), z.string(), z.enum(severities), iso])),
  closed: ledgerSchema.shape.closed,
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
  const hosts: Ledger['hosts'] = {};
  for (const [id, rec] of Object.entries(doc.hosts)) {
    const open = rec.open.map((i) => {
      const f = records[i];
      if (!f)
        throw new DepotError(
          'STORE_CORRUPT',
          `${path}: host ${JSON.stringify(id)} names finding ${i}, but the file lists ${records.length}; restore a backup or move it aside`,
        );
      return f;
    });
    hosts[id] = { collectedAt: rec.collectedAt, open };
  }
  return { version: 1, hosts, closed: doc.closed };
};

/**
 * The ledger as version 2 JSON text, in pieces of `per` hosts or findings (a few ms each at 5,000
 * hosts, so a page request waits little behind one): a writer awaits each piece, so the document
 * never exists as one string and the event loop breathes in between. The findings table comes
 * after the hosts: each record gets its index the first time a host names it.
 */
export function* ledgerJson(ledger: Ledger, per = 100): Generator<string> {
  const index = new Map<OpenFinding, number>();
  const table: OpenFinding[] = [];
  const indexOf = (f: OpenFinding): number => {
    let i = index.get(f);
    if (i === undefined) {
      i = table.length;
      index.set(f, i);
      table.push(f);
    }
    return i;
  };
  yield '{"version":2,"hosts":{';
  const ids = Object.keys(ledger.hosts);
  for (let i = 0; i < ids.length; i += per) {
    const part = ids.slice(i, i + per).map((id) => {
      const rec = ledger.hosts[id]!;
      const open = rec.open.map(indexOf).join(',');
      return `${JSON.stringify(id)}:{"collectedAt":${JSON.stringify(rec.collectedAt)},"open":[${open}]}`;
    });
    yield `${i ? ',' : ''}${part.join(',')}`;
  }
  yield '},"findings":[';
  for (let i = 0; i < table.length; i += per) {
    const part = table
      .slice(i, i + per)
      .map((f) => JSON.stringify([f.feedId, f.advisoryId, f.package, f.severity, f.firstSeen]));
    yield `${i ? ',' : ''}${part.join(',')}`;
  }
  yield '],"closed":[';
  for (let i = 0; i < ledger.closed.length; i += per) {
    const part = ledger.closed.slice(i, i + per).map((f) => JSON.stringify(f));
    yield `${i ? ',' : ''}${part.join(',')}`;
  }
  yield ']}\n';
}
