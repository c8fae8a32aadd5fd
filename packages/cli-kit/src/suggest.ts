// "Did you mean" for mistyped flags, commands and config keys: the closest known word, if close enough.

/** Optimal string alignment distance (Levenshtein plus swapping two neighbours: `--gihtub` -> `--github`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known word closest to `word`, when it is close: within a third of its length (at least 1, at most
 * 3 edits), or a prefix of exactly one known word (`--github` -> `--github-user` is not a guess worth
 * making when `--github-url` exists too). Ties go to the first in `known`.
 */
export function suggest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit) return best;
  const prefixed = word.length >= 3 ? known.filter((candidate) => candidate.startsWith(word)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `unknown option --gihub-user (did you mean --github-user?)`. */
export function didYouMean(what: string, word: string, known: readonly string[], show: (w: string) => string = (w) => w): string {
  const guess = suggest(word, known);
  return `unknown ${what} ${show(word)}${guess === undefined ? '' : ` (did you mean ${show(guess)}?)`}`;
}
