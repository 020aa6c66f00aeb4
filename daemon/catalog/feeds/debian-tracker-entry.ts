/**
 * Validation of one Debian tracker package member (`"<source>": { "<CVE>": {...}, ... }`), written
 * out by hand: it runs 120,000 times per sync, and a schema library's generic walk cost more than
 * the JSON parse itself. Same rules and same kind of message as a schema: the full path to the
 * first problem and what is wrong there. Unknown fields are ignored, as the tracker adds some.
 */
import { checkLength, MAX_NAME_CHARS } from './text-limits.js';
import { feedError } from './validate.js';

export const WHAT = 'Debian security tracker';

export type TrackerStatus = 'resolved' | 'open' | 'undetermined';

export interface TrackerRelease {
  status: TrackerStatus;
  fixed_version?: string | undefined;
  urgency: string;
}

export interface TrackerEntry {
  description?: string | undefined;
  releases: Record<string, TrackerRelease>;
}

const PACKAGE = /^[a-z0-9][a-z0-9+.-]*$/;
const ID = /^(CVE-\d{4}-\d{4,}|TEMP-\d{7}-[0-9A-F]{6})$/;
const RELEASE = /^[a-z][a-z0-9-]*$/;
const STATUSES = new Set<string>(['resolved', 'open', 'undetermined']);

const bad = (path: string, message: string): never => {
  throw feedError(WHAT, `${path}: ${message}`);
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const record = (v: unknown, path: string): Record<string, unknown> =>
  isRecord(v)
    ? v
    : bad(path, `expected an object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);

const optionalString = (o: Record<string, unknown>, key: string, path: string): void => {
  const v = o[key];
  if (v !== undefined && typeof v !== 'string') bad(`${path}.${key}`, `expected a string, got ${typeof v}`);
};

const isText = (v: unknown): boolean => v === undefined || typeof v === 'string';

const goodVersions = (repos: unknown): boolean => {
  if (!isRecord(repos)) return false;
  for (const name in repos) if (typeof repos[name] !== 'string') return false;
  return true;
};

/**
 * One release entry. This runs 360,000 times per sync, so the checks come first and the path is
 * joined only when one fails (checkedRelease then names the first problem, in field order).
 */
const checkRelease = (v: unknown, pkg: string, id: string, name: string): void => {
  const r = v as Record<string, unknown>;
  const fixed = isRecord(v) ? r.fixed_version : undefined;
  if (
    !isRecord(v) ||
    typeof r.status !== 'string' ||
    !STATUSES.has(r.status) ||
    (fixed !== undefined && (typeof fixed !== 'string' || fixed.length === 0)) ||
    typeof r.urgency !== 'string' ||
    !isText(r.nodsa) ||
    !isText(r.nodsa_reason) ||
    (r.repositories !== undefined && !goodVersions(r.repositories))
  )
    checkedRelease(v, `${pkg}.${id}.releases.${name}`);
};

/** The slow path, with the path joined: throws naming the first problem of a release entry. */
const checkedRelease = (v: unknown, path: string): void => {
  const r = record(v, path);
  if (typeof r.status !== 'string' || !STATUSES.has(r.status))
    bad(`${path}.status`, `expected one of resolved, open, undetermined, got ${JSON.stringify(r.status)}`);
  const fixed = r.fixed_version;
  if (fixed !== undefined && (typeof fixed !== 'string' || fixed.length === 0))
    bad(`${path}.fixed_version`, 'expected a non-empty string');
  if (typeof r.urgency !== 'string') bad(`${path}.urgency`, `expected a string, got ${typeof r.urgency}`);
  for (const k of ['nodsa', 'nodsa_reason']) optionalString(r, k, path);
  if (r.repositories !== undefined) {
    const repos = record(r.repositories, `${path}.repositories`);
    for (const name in repos)
      if (typeof repos[name] !== 'string') bad(`${path}.repositories.${name}`, 'expected a version string');
  }
};

/** Release names already found well formed: a tracker names the same dozen in every entry. */
const goodReleaseNames = new Set<string>();

const checkEntry = (v: unknown, pkg: string, id: string): void => {
  const e = v as Record<string, unknown>;
  if (
    !isRecord(v) ||
    !isText(e.description) ||
    !isText(e.scope) ||
    (e.debianbug !== undefined && !Number.isInteger(e.debianbug)) ||
    !isRecord(e.releases)
  )
    checkedEntry(v, `${pkg}.${id}`);
  const releases = e.releases as Record<string, unknown>;
  for (const name in releases) {
    if (!goodReleaseNames.has(name)) {
      if (!RELEASE.test(name))
        bad(`${pkg}.${id}.releases.${name}`, 'invalid key: release names are lower-case codenames');
      checkLength(WHAT, `${pkg}.${id}.releases`, 'release name', name, MAX_NAME_CHARS);
      if (goodReleaseNames.size < 1000) goodReleaseNames.add(name);
    }
    checkRelease(releases[name], pkg, id, name);
  }
};

/** The slow path, with the path joined: throws naming the first problem of an entry. */
const checkedEntry = (v: unknown, path: string): void => {
  const e = record(v, path);
  optionalString(e, 'description', path);
  optionalString(e, 'scope', path);
  if (e.debianbug !== undefined && !Number.isInteger(e.debianbug))
    bad(`${path}.debianbug`, 'expected an integer');
  record(e.releases, `${path}.releases`);
};

/** A package member's key: a BAD_INPUT error unless it is a Debian source package name. */
export const checkPackageName = (pkg: string): void => {
  if (!PACKAGE.test(pkg)) bad(pkg, 'invalid key: not a Debian source package name');
  checkLength(WHAT, '(root)', 'package name', pkg, MAX_NAME_CHARS);
};

/** A package member's value that is not an object (undefined: too big to parse to say what it is). */
export const notAnObject = (pkg: string, value: unknown): never => {
  if (value !== undefined) record(value, pkg);
  return bad(pkg, 'expected an object');
};

/** One CVE entry of a package: the entry, or a BAD_INPUT error naming the path. */
export const checkCve = (pkg: string, id: string, value: unknown): TrackerEntry => {
  if (!ID.test(id)) bad(`${pkg}.${id}`, 'invalid key: not a CVE or TEMP id');
  checkLength(WHAT, pkg, 'id', id, MAX_NAME_CHARS);
  checkEntry(value, pkg, id);
  return value as TrackerEntry;
};
