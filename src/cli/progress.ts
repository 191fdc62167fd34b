/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal; in a pipe or a log it stays silent so
 * the output is not filled with carriage returns.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ((done: number, total: number) => void) & {
  finish: () => void
} {
  const enabled = Boolean(stream.isTTY)
  let drawn = false
  const width = 30
  const draw = (done: number, total: number) => {
    if (!enabled || total === 0) return
    const filled = Math.round((done / total) * width)
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`)
    drawn = true
  }

  return Object.assign(draw, {
    finish() {
      if (drawn) stream.write('\n')
    },
  })
}
