/**
 * The shape of a snapshot's meta (model.ts SnapshotMeta), checked wherever one is read back: from
 * a snapshot file (snapshot-store.ts) and from a saved index's header line (saved-index.ts).
 */
import { z } from 'zod';
import { feedKinds } from './model.js';

export const snapshotMetaShape = z.object({
  feedId: z.string(),
  kind: z.enum(feedKinds),
  origin: z.enum(['network', 'bundle']),
  syncedAt: z.string(),
  state: z.record(z.string(), z.unknown()),
  bytes: z.number(),
  note: z.string().optional(),
});
