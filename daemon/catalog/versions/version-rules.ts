/** The comparator for each package ecosystem; assessment picks one per host. */
import type { Ecosystem } from '../../platform.js';
import { compareApk } from './apk-version.js';
import { compareDpkg } from './dpkg-version.js';
import { compareRpm } from './rpm-version.js';

export type VersionCompare = (a: string, b: string) => number;

export const versionRules: Record<Ecosystem, VersionCompare> = {
  dpkg: compareDpkg,
  rpm: compareRpm,
  apk: compareApk,
};
