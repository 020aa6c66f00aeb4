/**
 * One feed document of any kind (tracker JSON, OSV record/array/zip, signed manifest) parsed and
 * validated. This is the CPU-heavy part of a sync: the feed worker runs it, never the event loop.
 */
import type { ParsedDocument } from '../parsed-content.js';

export type { ParsedDocument } from '../parsed-content.js';

import type { DocumentContext, DocumentRequest } from '../ports.js';
import { packDebianTracker } from './debian-tracker.js';
import { manifestDocument } from './depot-manifest.js';
import { parseOsv } from './osv.js';

export const parseDocument = (
  kind: DocumentRequest['kind'],
  body: Uint8Array,
  ctx: DocumentContext,
): ParsedDocument => {
  switch (kind) {
    case 'debian-tracker':
      return { content: packDebianTracker(body) };
    case 'osv':
      return { content: parseOsv(body, ctx.maxUnpackedBytes) };
    case 'depot-manifest':
      return manifestDocument(body, ctx);
  }
};
