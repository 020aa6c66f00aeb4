/** The real InventoryParsers the collector uses: one entry per package manager. */
import type { InventoryParsers } from './collector.js';
import { parseApkList } from './parse-apk.js';
import { parseDpkgQuery } from './parse-dpkg.js';
import { parseOsRelease } from './parse-os-release.js';
import { parseRpmQuery } from './parse-rpm.js';

export const inventoryParsers: InventoryParsers = {
  osRelease: parseOsRelease,
  dpkg: parseDpkgQuery,
  rpm: parseRpmQuery,
  apk: parseApkList,
};
