/**
 * "did you mean --exclude?": the known name nearest a mistyped one by edit distance (leven), or
 * the one known name it is the start of (`--pub` for `--public-key`). Nothing when no name is
 * near: a wild guess is worse than none.
 */
import leven from 'leven';

/**
 * Edits allowed: one for names of up to three letters (`--in` is not `--out`), two from four on
 * (a swapped pair, `--hots` for `--host`, is two edits).
 */
const allowance = (word: string): number => (word.replace(/^-+/, '').length >= 4 ? 2 : 1);

export const suggest = (typed: string, known: readonly string[]): string | undefined => {
  const word = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = allowance(word) + 1;
  for (const name of known) {
    const d = leven(word, name, { maxDistance: bestDistance });
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best) return best;
  const starts = known.filter((name) => word.length >= 4 && name.startsWith(word));
  return starts.length === 1 ? starts[0] : undefined;
};
