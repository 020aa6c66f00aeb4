/**
 * A stored inventory read back. Assessment reads every host's inventory at each run, 1.5 million
 * package records at 5,000 hosts of 300 packages (7.5 million at 1,500), and the schema built a
 * copy of each: two thirds of the time a run spent reading, and most of the garbage the appliance's
 * small young generation then collected. So the package list is checked here by hand, in place,
 * against the same rules (`installedPackageSchema`: known keys only, strings of bounded length);
 * the rest of the record, and a package list the hand check refuses, go through the schema, so
 * what is accepted and every error message stay the schema's own (a differential test holds the
 * two equal).
 */
import { z } from 'zod';
import { type HostInventory, hostInventorySchema, type InstalledPackage } from './types.js';

/** A string field of a package within its schema's bounds (lengths in UTF-16 units, as zod counts). */
const bounded = (v: unknown, max: number): boolean =>
  typeof v === 'string' && v.length >= 1 && v.length <= max;

/** `p` passes `installedPackageSchema` unchanged (a switch, so no key such as `__proto__` slips by). */
const plainPackage = (p: unknown): p is InstalledPackage => {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  const rec = p as Record<string, unknown>;
  for (const key in rec) {
    if (!Object.hasOwn(rec, key)) return false;
    switch (key) {
      case 'name':
      case 'version':
      case 'source':
      case 'sourceVersion':
        if (!bounded(rec[key], 256)) return false;
        break;
      case 'arch':
        if (!bounded(rec[key], 64)) return false;
        break;
      default:
        return false;
    }
  }
  return rec.name !== undefined && rec.version !== undefined;
};

/** Everything of an inventory but its packages (checked by `plainPackage`, or by the full schema). */
const headSchema = hostInventorySchema.extend({ packages: z.array(z.never()).max(0) });

/** `value` as a HostInventory, or the schema's error. */
export const parseStoredInventory = (value: unknown): HostInventory => {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { packages, ...head } = value as Record<string, unknown>;
    if (Array.isArray(packages) && packages.every(plainPackage)) {
      return { ...headSchema.parse({ ...head, packages: [] }), packages };
    }
  }
  return hostInventorySchema.parse(value);
};
