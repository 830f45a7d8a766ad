// "did you mean …?" for a mistyped command, hook name or option. Optimal string alignment distance
// (Levenshtein plus swapping two neighbours, the commonest typo: `subcsribe`). Written here rather than taken
// from a package: it is a dozen lines over strings of a few characters, and the hook bundle, which imports
// this file, must stay free of dependencies (relay/cli/hook.ts says why).

export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `input`, if it is close enough to be a typo: at most one edit for words up to four
 * characters, two up to eight, three beyond (so `sub` does not "mean" `status`). Ties go to the earlier candidate.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const word = input.toLowerCase();
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const distance = editDistance(word, c.toLowerCase());
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean \`subscribe\`?` or '' (appended to an "unknown …" message). */
export function didYouMean(input: string, candidates: readonly string[], show: (c: string) => string = (c) => `\`${c}\``): string {
  const match = closest(input, candidates);
  return match === undefined ? '' : `; did you mean ${show(match)}?`;
}
