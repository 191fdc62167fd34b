/**
 * Turns the README's shell examples into one bash script, so that the README is a test: every ```sh block, in
 * order, in one shell (variables one block sets are there for the next), against a fresh store.
 *
 * The README's own comments are the assertions: a command whose comment says `(exit N)` must exit with N; every
 * other command must succeed (the script runs with `set -e`). A block preceded by `<!-- readme-test: skip REASON -->`
 * is not run; the reason is required, so a skipped example always says why.
 */

export interface ReadmeBlock {
  /** The README line of the block's first command (the line after the opening fence). */
  firstLine: number
  lines: string[]
  skipReason?: string
}

const SKIP_MARKER = /^<!--\s*readme-test:\s*skip\s+(.+?)\s*-->$/
const EXPECTED_EXIT = /\(exit (\d+)\)/

export function shellBlocks(readme: string): ReadmeBlock[] {
  const lines = readme.split('\n')
  const blocks: ReadmeBlock[] = []
  for (let index = 0; index < lines.length; index++) {
    if (!/^```(sh|bash)\s*$/.test(lines[index])) continue
    let previous = index - 1
    while (previous >= 0 && lines[previous].trim() === '') previous--
    const skipReason = previous >= 0 ? SKIP_MARKER.exec(lines[previous].trim())?.[1] : undefined
    const body: string[] = []
    let end = index + 1
    while (end < lines.length && !/^```\s*$/.test(lines[end])) body.push(lines[end++])
    if (end === lines.length) throw new Error(`README line ${index + 1}: a code block that never ends`)
    blocks.push({firstLine: index + 2, lines: body, skipReason})
    index = end
  }

  return blocks
}

/** The comment at the end of a command line, if any: a `#` after white space, outside quotes. */
function trailingComment(line: string): string | undefined {
  let quote: string | undefined
  for (let index = 0; index < line.length; index++) {
    const char = line[index]
    if (quote) {
      if (char === quote) quote = undefined
      else if (char === '\\' && quote === '"') index++
      continue
    }

    if (char === "'" || char === '"') quote = char
    else if (char === '\\') index++
    else if (char === '#' && (index === 0 || /\s/.test(line[index - 1]))) return line.slice(index)
  }

  return undefined
}

export interface ReadmeScript {
  script: string
  /** For each line of the script (1-based, index 0 unused), the README line it came from, or 0 for harness lines. */
  readmeLineOf: number[]
}

/**
 * The bash script for the blocks that are not skipped. Each command line whose comment expects `(exit N)` is
 * wrapped so that exactly N passes and anything else fails, naming the line (`README line 12`, or with another
 * `where`, e.g. `example line 3`); heredoc bodies are left as they are.
 */
export function readmeScript(blocks: ReadmeBlock[], where = 'README line'): ReadmeScript {
  const out: string[] = []
  const readmeLineOf: number[] = [0]
  const emit = (text: string, readmeLine: number) => {
    out.push(text)
    readmeLineOf.push(readmeLine)
  }

  emit('set -e', 0)
  emit(`__readme_fail() { echo "${where} $1: expected exit $2, got $3" >&2; exit 97; }`, 0)
  emit(`trap 'echo "${where} \${__readme_lines[$LINENO]:-?}: exited $?" >&2' ERR`, 0)
  const check = (expected: string, readmeLine: number) =>
    `then __readme_rc=0; else __readme_rc=$?; fi; [ "$__readme_rc" -eq ${expected} ] || __readme_fail ${readmeLine} ${expected} "$__readme_rc"`
  for (const block of blocks) {
    if (block.skipReason) continue
    let heredoc: {end: string; expected?: string; readmeLine: number} | undefined
    block.lines.forEach((line, offset) => {
      const readmeLine = block.firstLine + offset
      if (heredoc) {
        emit(line, readmeLine)
        if (line !== heredoc.end) return
        if (heredoc.expected !== undefined) emit(`}; ${check(heredoc.expected, heredoc.readmeLine)}`, heredoc.readmeLine)
        heredoc = undefined
        return
      }

      const comment = trailingComment(line)
      const command = comment === undefined ? line : line.slice(0, line.length - comment.length).trimEnd()
      const expected = EXPECTED_EXIT.exec(comment ?? '')?.[1]
      const heredocStart = /<<-?\s*'?"?(\w+)'?"?/.exec(command)
      if (heredocStart) {
        heredoc = {end: heredocStart[1], expected, readmeLine}
        emit(expected === undefined ? line : `if { ${command}`, readmeLine)
      } else if (expected === undefined || command.endsWith('\\')) {
        emit(line, readmeLine)
      } else {
        emit(`if { ${command}; }; ${check(expected, readmeLine)}`, readmeLine)
      }
    })
  }

  // The ERR trap reports a README line: give bash the table from script lines to README lines.
  const table = readmeLineOf.map((readmeLine, scriptLine) => `[${scriptLine + 1}]=${readmeLine}`).join(' ')
  return {script: [`declare -A __readme_lines=(${table})`, ...out].join('\n') + '\n', readmeLineOf: [0, 0, ...readmeLineOf.slice(1)]}
}
