/**
 * "2 hours ago", "in 3 days": how a time reads on a terminal (piped and --json output keep RFC 3339). The unit is
 * the largest one the distance fills at least once, so 90 minutes is "1 hour ago", not "90 minutes ago".
 */
const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]

const format = new Intl.RelativeTimeFormat('en', {numeric: 'always'})

export function relativeTime(iso: string, nowMs: number): string {
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return iso
  const seconds = (at - nowMs) / 1000
  const distance = Math.abs(seconds)
  if (distance < 1) return 'just now'
  for (const [unit, size] of UNITS) {
    if (distance >= size || unit === 'second') return format.format(Math.trunc(seconds / size), unit)
  }

  return iso
}
