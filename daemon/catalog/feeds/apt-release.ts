/**
 * An apt Release file (the signed text of InRelease): suite metadata and the SHA256 list that every
 * index must match. Freshness rules follow apt: an expired Valid-Until is refused, and a Release
 * older than the one we already trust is refused too (a mirror must not roll us back).
 */

import { parseDeb822 } from './deb822.js';
import { feedError } from './validate.js';

export interface AptRelease {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  version: string;
  date: Date;
  validUntil?: Date | undefined;
  acquireByHash: boolean;
  components: string[];
  architectures: string[];
  /** Index path (relative to dists/<suite>/) -> expected sha256 and size. */
  sha256: Map<string, { hash: string; size: number }>;
}

const parseDate = (what: string, value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw feedError(what, `unreadable date "${value}"`);
  return d;
};

export const parseRelease = (what: string, text: string): AptRelease => {
  const [stanza] = parseDeb822(text);
  if (!stanza) throw feedError(what, 'Release file is empty');
  const sha = new Map<string, { hash: string; size: number }>();
  for (const line of (stanza.get('sha256') ?? '').split('\n')) {
    if (line.trim() === '') continue;
    const m = /^\s*([0-9a-f]{64})\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (!m) throw feedError(what, `bad SHA256 line in Release: "${line.trim().slice(0, 100)}"`);
    sha.set(m[3]!, { hash: m[1]!, size: Number(m[2]) });
  }
  if (sha.size === 0)
    throw feedError(what, 'Release has no SHA256 index list (MD5/SHA1-only repositories are not trusted)');
  const date = parseDate(what, stanza.get('date'));
  if (!date) throw feedError(what, 'Release has no Date field');
  const suite = stanza.get('suite') ?? '';
  const codename = stanza.get('codename') ?? suite;
  if (!suite && !codename) throw feedError(what, 'Release names neither Suite nor Codename');
  return {
    origin: stanza.get('origin') ?? '',
    label: stanza.get('label') ?? '',
    suite,
    codename,
    version: stanza.get('version') ?? '',
    date,
    validUntil: parseDate(what, stanza.get('valid-until')),
    acquireByHash: (stanza.get('acquire-by-hash') ?? '').toLowerCase() === 'yes',
    components: (stanza.get('components') ?? '').split(/\s+/).filter(Boolean),
    architectures: (stanza.get('architectures') ?? '').split(/\s+/).filter(Boolean),
    sha256: sha,
  };
};

export const checkFreshness = (what: string, rel: AptRelease, now: Date, previousDate?: Date): void => {
  if (rel.validUntil && rel.validUntil.getTime() < now.getTime()) {
    throw feedError(
      what,
      `Release expired at ${rel.validUntil.toISOString()} (Valid-Until); the mirror is stale or replaying old metadata`,
    );
  }
  if (previousDate && rel.date.getTime() < previousDate.getTime()) {
    throw feedError(
      what,
      `Release dated ${rel.date.toISOString()} is older than the one already trusted (${previousDate.toISOString()}); refusing a rollback`,
    );
  }
};
