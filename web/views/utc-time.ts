/** A stored ISO time as a technician reads it: "2026-12-04 05:44 UTC" (no seconds, no milliseconds). */
export const utcMinute = (iso: string | Date): string =>
  `${(typeof iso === 'string' ? iso : iso.toISOString()).slice(0, 16).replace('T', ' ')} UTC`;
