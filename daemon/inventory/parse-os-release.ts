/**
 * os-release(5) parser: KEY=value lines, values optionally quoted with shell-style escapes.
 * Unknown keys are ignored; a file without ID is refused (we would not know which feed applies).
 */
import { DepotError } from '../errors.js';
import type { OsRelease } from '../platform.js';

const unquote = (raw: string): string => {
  const v = raw.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) {
    const inner = v.slice(1, -1);
    // Inside double quotes os-release allows \" \\ \$ \` escapes; single quotes are literal.
    return v[0] === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
};

export const parseOsReleaseFields = (text: string): Map<string, string> => {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) fields.set(m[1]!, unquote(m[2]!));
  }
  return fields;
};

export const parseOsRelease = (text: string): OsRelease => {
  const f = parseOsReleaseFields(text);
  const id = f.get('ID')?.toLowerCase();
  if (!id) throw new DepotError('BAD_INPUT', 'os-release has no ID= line (is this an os-release file?)');
  let codename = f.get('VERSION_CODENAME') ?? f.get('UBUNTU_CODENAME') ?? '';
  // Older Debian releases and some derivatives only carry the codename in VERSION="12 (bookworm)".
  if (!codename) codename = /\(([a-z]+)\)/.exec(f.get('VERSION') ?? '')?.[1] ?? '';
  return {
    id,
    versionId: f.get('VERSION_ID') ?? '',
    codename,
    prettyName: f.get('PRETTY_NAME') ?? f.get('NAME') ?? id,
  };
};
