/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal; in a pipe or a log it stays silent so
 * the output is not filled with carriage returns. The count is of items done; the bar shows the share of the input
 * read, when it is known (a file), since a streamed import does not know its total up front.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ((done: number, fraction?: number) => void) & {
  finish: () => void
} {
  const enabled = Boolean(stream.isTTY)
  let drawn = false
  const width = 30
  const draw = (done: number, fraction?: number) => {
    if (!enabled) return
    const share = fraction === undefined ? '' : ` ${Math.round(Math.min(fraction, 1) * 100)}%`
    const bar = fraction === undefined ? '' : ` [${'#'.repeat(Math.round(Math.min(fraction, 1) * width)).padEnd(width, '-')}]`
    stream.write(`\r${label}${bar} ${done}${share}`)
    drawn = true
  }

  return Object.assign(draw, {
    finish() {
      if (drawn) stream.write('\n')
    },
  })
}
