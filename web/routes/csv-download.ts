/**
 * A CSV export as a download. The body starts with a UTF-8 byte order mark: Excel opens a CSV
 * without one in the system's legacy code page ("CafÃ©" for "Café", host names and advisory
 * summaries alike), and with one as UTF-8. LibreOffice and scripts reading UTF-8 with BOM handling
 * (Python's utf-8-sig, Node's TextDecoder, pandas) skip it; the README says so.
 */
import type { Context } from 'hono';
import type { WebEnv } from '../env.js';

export const UTF8_BOM = '\uFEFF';

export const csvDownload = (c: Context<WebEnv>, csv: string, filename: string): Response =>
  c.body(`${UTF8_BOM}${csv}`, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
  });
