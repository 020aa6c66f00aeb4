/**
 * MAC vendor lookup from the IEEE registry shipped by the oui-data package (offline; updated with
 * the package). Loaded on first use, not at import, and reduced to the company name per prefix.
 */
import { createRequire } from 'node:module';

let table: Map<string, string> | undefined;

const load = (): Map<string, string> => {
  const raw = createRequire(import.meta.url)('oui-data') as Record<string, string>;
  const map = new Map<string, string>();
  for (const [prefix, entry] of Object.entries(raw)) map.set(prefix, entry.split('\n')[0]!.trim());
  return map;
};

/** Locally administered MACs (second bit of the first byte) are random or virtual: no vendor. */
export const isLocallyAdministered = (mac: string): boolean =>
  (Number.parseInt(mac.slice(0, 2), 16) & 2) !== 0;

export const vendorOf = (mac: string): string | undefined => {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || isLocallyAdministered(mac)) return undefined;
  table ??= load();
  return table.get(hex.slice(0, 6).toUpperCase());
};
