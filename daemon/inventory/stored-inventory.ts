/**
 * A stored inventory read back. Assessment reads every host's inventory at each run, 1.5 million
 * package records at 5,000 hosts of 300 packages (7.5 million at 1,500), and the schema built a
 * copy of each: two thirds of the time a run spent reading, and most of the garbage the appliance's
 * small young generation then collected. So the package list is checked here by hand, in place,
 * against the same rules, read from `installedPackageSchema` (known keys only, strings of bounded length);
 * the rest of the record, and a package list the hand check refuses, go through the schema, so
 * what is accepted and every error message stay the schema's own (a differential test holds the
 * two equal).
 */
import { z } from 'zod';
import {
  type HostInventory,
  hostInventorySchema,
  type InstalledPackage,
  installedPackageSchema,
} from './types.js';

/**
 * Each key of a package with its length bounds, read from `installedPackageSchema` itself (lengths
 * in UTF-16 units, as zod counts), so the hand check cannot drift from the schema. A Map: no key
 * such as `__proto__` or `constructor` finds anything in it.
 */
const BOUNDS = new Map(
  Object.entries(installedPackageSchema.shape).map(([key, field]) => {
    const text = field instanceof z.ZodOptional ? field.unwrap() : field;
    return [key, { min: text.minLength ?? 0, max: text.maxLength ?? Number.POSITIVE_INFINITY }] as const;
  }),
);
const REQUIRED = Object.entries(installedPackageSchema.shape)
  .filter(([, field]) => !(field instanceof z.ZodOptional))
  .map(([key]) => key);

/** `p` passes `installedPackageSchema` unchanged. */
export const plainPackage = (p: unknown): p is InstalledPackage => {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  const rec = p as Record<string, unknown>;
  for (const key in rec) {
    const bounds = BOUNDS.get(key);
    const v = rec[key];
    if (!bounds || !Object.hasOwn(rec, key) || typeof v !== 'string') return false;
    if (v.length < bounds.min || v.length > bounds.max) return false;
  }
  return REQUIRED.every((key) => rec[key] !== undefined);
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

/**
 * A record of the current form: everything but the packages, which are ids into the site's
 * package table of generation `packageTable` (0 when absent; package-tables.ts).
 */
export type StoredInventory = Omit<HostInventory, 'packages'> & {
  packageIds: number[];
  packageTable?: number;
  /** Digest of the highest-numbered line named (SitePackages.check); absent in older records. */
  packageCheck?: string;
};

const idsSchema = z.array(
  z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
);
const generationSchema = z.number().int().min(0).max(999_999_999).optional();
const checkSchema = z.string().min(1).max(64).optional();
const storedHeadSchema = hostInventorySchema
  .omit({ packages: true })
  .extend({ packageIds: idsSchema.max(0) });

const isId = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 31;

/**
 * A record read from disk, in either form: the current one (ids into the site's package table,
 * checked here, resolved by the caller) or the older one (package objects).
 */
export const parseRecord = (value: unknown): StoredInventory | HostInventory => {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'packageIds' in value) {
    const { packageIds, packageTable, packageCheck, ...head } = value as Record<string, unknown>;
    const ids =
      Array.isArray(packageIds) && packageIds.every(isId) ? packageIds : idsSchema.parse(packageIds);
    const generation = generationSchema.parse(packageTable);
    const check = checkSchema.parse(packageCheck);
    return {
      ...storedHeadSchema.parse({ ...head, packageIds: [] }),
      packageIds: ids as number[],
      ...(generation ? { packageTable: generation } : {}),
      ...(check !== undefined ? { packageCheck: check } : {}),
    };
  }
  return parseStoredInventory(value);
};
