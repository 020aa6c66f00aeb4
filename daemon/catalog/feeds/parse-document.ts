/**
 * One feed document of any kind (tracker JSON, OSV record/array/zip, signed manifest) parsed and
 * validated, its names and versions in bounds (text-limits.ts; the tracker checks its own as it
 * walks). This is the CPU-heavy part of a sync: the feed worker runs it, never the event loop.
 */
import type { ParsedDocument } from '../parsed-content.js';

export type { ParsedDocument } from '../parsed-content.js';

import type { DocumentContext, DocumentRequest } from '../ports.js';
import { packDebianTracker } from './debian-tracker.js';
import { manifestDocument } from './depot-manifest.js';
import { parseOsv } from './osv.js';
import { checkContentLengths } from './text-limits.js';

export const parseDocument = (
  kind: DocumentRequest['kind'],
  body: Uint8Array,
  ctx: DocumentContext,
): ParsedDocument => {
  switch (kind) {
    case 'debian-tracker':
      return { content: packDebianTracker(body) };
    case 'osv': {
      const content = parseOsv(body, ctx.maxUnpackedBytes);
      checkContentLengths('OSV', content);
      return { content };
    }
    case 'depot-manifest':
      return manifestDocument(body, ctx);
  }
};
