/**
 * Free text in the config (the site name): it goes into reports, logs, the signed site summary,
 * HTTP headers and terminals, so no control bytes (line breaks, tabs, escapes, NUL).
 */
import { z } from 'zod';

export const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^\P{Cc}*$/u, 'no control characters (line breaks, tabs, escapes)');
