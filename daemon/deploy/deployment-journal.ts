/**
 * A running deployment's changes as they happen, appended to a journal beside its record
 * (`<id>.journal`, JSON lines) instead of rewriting the whole record at every step: a 5,000-host
 * deployment's record grows to ~16 MB, and a host's progress was saved ~10 times, so a run rewrote
 * the record tens of thousands of times (hundreds of GB on an SD card, and a 16 MB JSON.stringify
 * each time). A line holds the deployment's fields that change after it is created and the hosts
 * the save named (every change to a host is saved naming it: its own run's steps, the rings'
 * launch and the hosts they touched on the way); the record is rewritten whole (and the journal
 * removed) only when the journal has grown as large as the record, when the deployment finishes,
 * when the daemon stops, and after a start replayed one.
 *
 * The record names its journal's generation (`journal`), and the journal's first line says which
 * generation it is: a journal left beside a newer record (a crash between writing the record and
 * removing it) is stale and never replayed. Lines are appended durably, one at a time, so only the
 * last can be torn (a write cut short, never acknowledged): it is skipped.
 */
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { readRegularFile } from '../store/regular-file.js';
import { type Deployment, deploymentSchema, type HostState, hostStateSchema } from './deployment.js';

/** Most a journal may hold when read: it is rewritten into the record long before (damage otherwise). */
const MAX_JOURNAL_BYTES = 256 * 1024 * 1024;

const headerSchema = z.object({ journal: z.string() });
const lineSchema = deploymentSchema
  .pick({ state: true, policy: true, approvals: true, rings: true, breakers: true, haltedUpdates: true })
  .extend({ note: z.string().nullable(), hosts: z.array(hostStateSchema) });

export const journalFile = (recordFile: string): string => recordFile.replace(/\.json$/, '.journal');

export const journalHeader = (generation: string): string => `${JSON.stringify({ journal: generation })}\n`;

/** One line: the deployment's changing fields, and `hosts` as they are now. */
export const journalLine = (d: Deployment, hosts: readonly HostState[]): string =>
  `${JSON.stringify({
    state: d.state,
    note: d.note ?? null,
    policy: d.policy,
    approvals: d.approvals,
    rings: d.rings,
    breakers: d.breakers,
    haltedUpdates: d.haltedUpdates,
    hosts,
  })}\n`;

/**
 * Apply to `d` (read from `recordFile`) the journal that continues it. Returns the journal's size
 * in bytes when one was applied, 0 when there is none or it is stale (left for the caller to remove).
 */
export const replayJournal = async (d: Deployment, recordFile: string): Promise<number> => {
  const file = journalFile(recordFile);
  const bytes = d.journal === undefined ? undefined : await readRegularFile(file);
  if (!bytes?.length) return 0;
  const damaged = (why: string) =>
    new DepotError('STORE_CORRUPT', `${file}: ${why}; move it aside (its record reads without it)`);
  if (bytes.length > MAX_JOURNAL_BYTES) throw damaged(`${bytes.length} bytes, far more than a journal holds`);
  const lines = bytes.toString('utf8').split('\n');
  const header = headerSchema.safeParse(parseOrUndefined(lines[0]!));
  if (!header.success || header.data.journal !== d.journal) return 0;
  const index = new Map(d.hosts.map((h, i) => [h.hostId, i]));
  for (let n = 1; n < lines.length; n++) {
    if (!lines[n]) continue;
    const line = lineSchema.safeParse(parseOrUndefined(lines[n]!));
    if (!line.success) {
      // Only the last line can be torn (appends are durable one at a time, and never acknowledged torn).
      if (n === lines.length - 1) break;
      throw damaged(`line ${n + 1} is not a journal line`);
    }
    const { hosts, note, ...set } = line.data;
    Object.assign(d, set);
    if (note === null) delete d.note;
    else d.note = note;
    for (const h of hosts) {
      const i = index.get(h.hostId);
      if (i === undefined)
        throw damaged(`line ${n + 1} names host ${h.hostId.slice(0, 40)}, not in the deployment`);
      d.hosts[i] = h;
    }
  }
  return bytes.length;
};

const parseOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** A journal smaller than this is never worth rewriting the record for. */
const MIN_REWRITE_BYTES = 4 * 1024 * 1024;

/** What the store knows of a deployment's record and journal between writes. */
export class Journal {
  /** Bytes of the journal on disk (0: none yet; the next append starts it with its header). */
  bytes = 0;

  constructor(
    readonly generation: string,
    private readonly recordBytes: number,
  ) {}

  /** The journal has grown as large as the record (and past a floor): write the record whole. */
  full(): boolean {
    return this.bytes > Math.max(MIN_REWRITE_BYTES, this.recordBytes);
  }
}
