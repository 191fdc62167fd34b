/**
 * "Did you mean" for what was typed wrong: a flag, a command, the id or name of an object. Pure: the candidates
 * are given; finding them cheaply (and only among what the caller may see) is the caller's business.
 */

/**
 * Edit distance counting insertions, deletions, substitutions and a swap of two neighbouring letters as one each
 * (optimal string alignment): `chrun` is one typo from `churn`, not two.
 */
export function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = []
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], beforePrevious[j - 2] + 1)
    }

    beforePrevious = previous
    previous = current
  }

  return previous[b.length]
}

/** At most this many suggestions: more reads as a list to choose from, not a correction. */
export const MAX_SUGGESTIONS = 3

/**
 * How far a candidate may be from the typed word and still be a likely typo of it: one typo in four letters of the
 * longer of the two, at least one. `x` is never near `group`, and `alise@example.com` is near `alice@example.com`
 * but not `frank@example.com`, whose shared domain does not make it a typo.
 */
export function nearEnough(typed: string, candidate: string, distance: number): boolean {
  return distance <= Math.max(1, Math.floor(Math.max(typed.length, candidate.length) / 4))
}

/**
 * The candidates nearest to `typed`, best first (then alphabetically), at most `max`, none of them `typed` itself;
 * compared without regard to case, as a name typed with the wrong case is still a typo.
 */
export function nearestNames(typed: string, candidates: Iterable<string>, max = MAX_SUGGESTIONS): string[] {
  const lowered = typed.toLowerCase()
  const scored = new Map<string, number>()
  for (const candidate of candidates) {
    if (candidate === typed || scored.has(candidate)) continue
    const distance = editDistance(lowered, candidate.toLowerCase())
    if (nearEnough(typed, candidate, distance)) scored.set(candidate, distance)
  }

  return [...scored.entries()]
    .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
    .slice(0, max)
    .map(([name]) => name)
}

/** "Did you mean a, b or c?" for a hint, or undefined when nothing was near. */
export function didYouMean(suggestions: readonly string[]): string | undefined {
  if (suggestions.length === 0) return undefined
  const listed = suggestions.length === 1 ? suggestions[0] : `${suggestions.slice(0, -1).join(', ')} or ${suggestions.at(-1)}`
  return `Did you mean ${listed}?`
}

/** How a command's flag may be spelled: `--name`, its `--aliases`, and `-c` for its char. */
export interface FlagSpelling {
  name: string
  char?: string
  aliases?: readonly string[]
}

/**
 * The flags nearest to an unknown one, spelled as they would be typed. `--grop` (or `--grop=x`) is compared with
 * the long names; `-N` finds `-n`, a flag's char in the other case; `-limit`, a long name typed with one dash, finds
 * `--limit` first and then the names near it. Any other one-letter flag finds nothing: every letter is one edit
 * from every other, so a near one says nothing.
 */
export function nearestFlags(typed: string, flags: readonly FlagSpelling[]): string[] {
  const spelled = typed.replace(/=[\s\S]*$/, '')
  const longNames = flags.flatMap((flag) => [flag.name, ...(flag.aliases ?? [])])
  if (spelled.startsWith('--')) return nearestNames(spelled.slice(2), longNames).map((name) => `--${name}`)
  if (!spelled.startsWith('-') || spelled.length < 2) return []
  const word = spelled.slice(1)
  if (word.length === 1) {
    return flags.flatMap((flag) => (flag.char !== undefined && flag.char.toLowerCase() === word.toLowerCase() ? [`-${flag.char}`] : []))
  }

  const exact = longNames.filter((name) => name === word)
  return [...exact, ...nearestNames(word, longNames)].slice(0, MAX_SUGGESTIONS).map((name) => `--${name}`)
}
