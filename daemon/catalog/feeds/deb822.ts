/**
 * deb822 control-file stanzas (Release, Packages): `Field: value` lines, continuation lines
 * starting with a space, stanzas separated by blank lines. Field names are case-insensitive;
 * they are kept as written and looked up via `field()`.
 */
export type Stanza = Map<string, string>;

export const parseDeb822 = (text: string): Stanza[] => {
  const out: Stanza[] = [];
  let cur: Stanza = new Map();
  let last: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (cur.size) out.push(cur);
      cur = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (last !== undefined) cur.set(last, `${cur.get(last)}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).toLowerCase();
    cur.set(last, line.slice(colon + 1).trim());
  }
  if (cur.size) out.push(cur);
  return out;
};
