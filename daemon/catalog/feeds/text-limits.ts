/**
 * How long a feed's names may be. Advisory ids, package and release names and versions are shown
 * on every page, row, CSV line and API item that names a missing fix, once per host: a feed that
 * sends a 16 MB id (OSV, where the schema says nothing of length) or package name (a tracker key)
 * made a page of missing fixes gigabytes long and every report carry it. No real one comes near
 * these bounds (Debian's longest source package names and versions are under 100 characters), which
 * are those of an inventory's names and versions (inventory/types.ts); a feed that passes them is
 * refused whole with the place and the length, like any malformed feed.
 */
import { MAX_PACKAGE_TEXT } from '../../platform.js';
import type { FeedContent } from '../model.js';
import { feedError } from './validate.js';

/** Advisory ids, CVE ids, package, release and source names; a manifest's file names, vendors, products, versions, models. */
export const MAX_NAME_CHARS = MAX_PACKAGE_TEXT;
/** Fixed and introduced versions. */
export const MAX_VERSION_CHARS = MAX_PACKAGE_TEXT;
/** An advisory's link. */
export const MAX_URL_CHARS = 4096;
/** An advisory's summary (the tracker and OSV keep the first 500 characters; a manifest says it). */
export const MAX_SUMMARY_CHARS = 2000;
/** An advisory's publication date (ISO 8601, with fractions of a second at most). */
const MAX_DATE_CHARS = 64;

const shown = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** A BAD_INPUT feed error unless `value` (the `label` at `path`) has at most `max` characters. */
export const checkLength = (
  what: string,
  path: string,
  label: string,
  value: string | undefined,
  max: number,
): void => {
  if (value === undefined || value.length <= max) return;
  throw feedError(
    what,
    `${path}: ${label} ${shown(value)} is ${value.length} characters long; at most ${max} are accepted`,
  );
};

/** Every advisory's and fix's names and versions in bounds, or a BAD_INPUT feed error naming the first. */
export const checkContentLengths = (what: string, content: FeedContent): void => {
  for (const a of content.advisories) {
    checkLength(what, 'advisory', 'id', a.id, MAX_NAME_CHARS);
    const at = a.id;
    for (const cve of a.cves) checkLength(what, at, 'CVE id', cve, MAX_NAME_CHARS);
    checkLength(what, at, 'url', a.url, MAX_URL_CHARS);
    checkLength(what, at, 'summary', a.summary, MAX_SUMMARY_CHARS);
    checkLength(what, at, 'published', a.published, MAX_DATE_CHARS);
    for (const f of a.fixes) {
      checkLength(what, at, 'release', f.release, MAX_NAME_CHARS);
      checkLength(what, at, 'package name', f.package, MAX_NAME_CHARS);
      checkLength(what, at, 'source package name', f.source, MAX_NAME_CHARS);
      checkLength(what, `${at} ${f.package}`, 'fixed version', f.fixedVersion, MAX_VERSION_CHARS);
      checkLength(what, `${at} ${f.package}`, 'introduced version', f.introduced, MAX_VERSION_CHARS);
    }
  }
  // A manifest's files: each row of the Devices page shows them, once per device they fit.
  for (const [i, f] of (content.files ?? []).entries()) {
    const at = `files.${i}`;
    for (const key of ['name', 'vendor', 'product', 'version'] as const)
      checkLength(what, at, key, f[key], MAX_NAME_CHARS);
    for (const model of f.models ?? []) checkLength(what, at, 'model', model, MAX_NAME_CHARS);
    checkLength(what, at, 'url', f.url, MAX_URL_CHARS);
  }
};
