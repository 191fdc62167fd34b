import {join} from 'node:path'

/**
 * Turns the README's shell examples into one bash script, so that the README is a test: every ```sh block, in
 * order, in one shell (variables one block sets are there for the next), against a fresh store.
 *
 * The README's own comments are the assertions:
 * - a command whose comment says `(exit N)` must exit with N; every other command must succeed (`set -e`);
 * - `# => TEXT` (at the end of the command's line, after free words if any: `# weather only => weather...`) is the
 *   command's whole stdout, one line; several lines are `# => LINE` comment lines right after the command (after its
 *   heredoc, if it has one);
 * - `# Error: MESSAGE` (at the end of the line, or a comment line right after the command, the comment lines after
 *   it being the next lines) is how its stderr starts (a hint may follow);
 * - in all of them `...` stands for any text within a line (an id, a time), and a trailing `(exit N)` is not text;
 * - a ```console block is run too: each `$ COMMAND` line, and the lines under it are its output (stdout and stderr,
 *   as a terminal shows them; the exit is not checked);
 * - a file a command writes with `>` or `>>` is read right after it with a real parser when its name says JSON
 *   (`.json`: JSON.parse) or YAML (`.yaml`, `.yml`: the yaml package).
 * A block preceded by `<!-- readme-test: skip REASON -->` is not run; the reason is required, so a skipped example
 * always says why. ```text blocks are formats shown in prose, not runs.
 */

export interface ReadmeBlock {
  /** The README line of the block's first line (the line after the opening fence). */
  firstLine: number
  lines: string[]
  skipReason?: string
  /** A ```console block: `$ COMMAND` lines, each followed by the output it shows. */
  console?: boolean
}

const SKIP_MARKER = /^<!--\s*readme-test:\s*skip\s+(.+?)\s*-->$/
const EXPECTED_EXIT = /\(exit (\d+)\)/
const TRAILING_EXIT = /\s*\(exit \d+\)\s*$/

/** The script that checks output and documents (test/helpers/readme-check.mjs): bash compares text badly. */
const CHECKER = join(import.meta.dirname, 'readme-check.mjs')

export function shellBlocks(readme: string): ReadmeBlock[] {
  const lines = readme.split('\n')
  const blocks: ReadmeBlock[] = []
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(sh|bash|console)\s*$/.exec(lines[index])
    if (!fence) continue
    let previous = index - 1
    while (previous >= 0 && lines[previous].trim() === '') previous--
    const skipReason = previous >= 0 ? SKIP_MARKER.exec(lines[previous].trim())?.[1] : undefined
    const body: string[] = []
    let end = index + 1
    while (end < lines.length && !/^```\s*$/.test(lines[end])) body.push(lines[end++])
    if (end === lines.length) throw new Error(`README line ${index + 1}: a code block that never ends`)
    blocks.push({firstLine: index + 2, lines: body, skipReason, ...(fence[1] === 'console' ? {console: true} : {})})
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

/**
 * The files a command writes with `>` or `>>` (not a descriptor such as `2>` or `>&2`, not /dev/null), as the shell
 * words they are written with, so that bash expands them as the command did.
 */
function redirectedFiles(command: string): string[] {
  const files: string[] = []
  let quote: string | undefined
  for (let index = 0; index < command.length; index++) {
    const char = command[index]
    if (quote) {
      if (char === quote) quote = undefined
      continue
    }

    if (char === "'" || char === '"') quote = char
    else if (char === '\\') index++
    else if (char === '>' && !/[0-9&<>]/.test(command[index - 1] ?? '') && command[index + 1] !== '&' && command[index + 1] !== '(') {
      const word = /^>?\s*((?:"[^"]*"|'[^']*'|[^\s;&|<>()])+)/.exec(command.slice(index + 1))
      if (word && word[1] !== '/dev/null') files.push(word[1])
      if (word) index += word[0].length
    }
  }

  return files
}

/** What a README command shows of its output. */
interface Shown {
  /** Its whole stdout, line by line. */
  stdout?: string[]
  /** The first lines of its stderr. */
  stderr?: string[]
  /** A console block: stdout and stderr together, as a terminal shows them. */
  output?: string[]
}

interface Step {
  readmeLine: number
  /** The command line without its trailing comment, then its heredoc's lines, if any. */
  command: string
  heredoc: Array<{text: string; readmeLine: number}>
  /** The exit code it must end with; `any` in a console block. */
  exit?: string
  shown: Shown
  /** Comment lines after it that said what it shows: emitted as they are. */
  after: Array<{text: string; readmeLine: number}>
}

const shownText = (text: string) => text.replace(TRAILING_EXIT, '').trim()

/** The text of a comment line, `# ` removed (the indentation after it is part of the text). */
const commentText = (line: string) => line.trim().replace(/^# ?/, '')

/** The steps of a ```sh block: commands, and the lines around them that are emitted as they are (text). */
function shSteps(block: ReadmeBlock): Array<Step | {text: string; readmeLine: number}> {
  const steps: Array<Step | {text: string; readmeLine: number}> = []
  const lines = block.lines
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]
    const readmeLine = block.firstLine + index
    if (line.trim() === '' || line.trim().startsWith('#')) {
      steps.push({text: line, readmeLine})
      continue
    }

    const comment = trailingComment(line)
    const command = comment === undefined ? line : line.slice(0, line.length - comment.length).trimEnd()
    if (command.endsWith('\\')) {
      // A command continued over lines is run as written, and checked only for succeeding.
      while (index < lines.length && lines[index].endsWith('\\')) steps.push({text: lines[index], readmeLine: block.firstLine + index++})
      if (index < lines.length) steps.push({text: lines[index], readmeLine: block.firstLine + index})
      continue
    }

    const step: Step = {readmeLine, command, heredoc: [], exit: EXPECTED_EXIT.exec(comment ?? '')?.[1], shown: {}, after: []}
    const arrow = comment?.indexOf('=>') ?? -1
    const error = comment?.indexOf('Error:') ?? -1
    if (comment && arrow >= 0) step.shown.stdout = [shownText(comment.slice(arrow + 2))]
    else if (comment && error >= 0) step.shown.stderr = [shownText(comment.slice(error))]

    const heredocEnd = /<<-?\s*'?"?(\w+)'?"?/.exec(command)?.[1]
    if (heredocEnd !== undefined) {
      while (++index < lines.length) {
        step.heredoc.push({text: lines[index], readmeLine: block.firstLine + index})
        if (lines[index] === heredocEnd) break
      }
    }

    // Comment lines right after the command that start with `=>` or `Error:` show its output.
    const first = lines[index + 1]
    if (first !== undefined && first.trim().startsWith('#') && /^(=>|Error:)/.test(commentText(first))) {
      while (index + 1 < lines.length && lines[index + 1].trim().startsWith('#')) {
        const text = commentText(lines[index + 1])
        if (text.startsWith('=>')) (step.shown.stdout ??= []).push(shownText(text.slice(2)))
        else if (text.startsWith('Error:')) step.shown.stderr = [shownText(text)]
        else if (step.shown.stderr) step.shown.stderr.push(text.replace(TRAILING_EXIT, ''))
        else break
        step.after.push({text: lines[index + 1], readmeLine: block.firstLine + index + 1})
        index++
      }
    }

    steps.push(step)
  }

  return steps
}

/** The steps of a ```console block: each `$ COMMAND` and the output shown under it. */
function consoleSteps(block: ReadmeBlock): Step[] {
  const steps: Step[] = []
  block.lines.forEach((line, index) => {
    const readmeLine = block.firstLine + index
    if (line.startsWith('$ ')) steps.push({readmeLine, command: line.slice(2), heredoc: [], exit: 'any', shown: {output: []}, after: []})
    else if (steps.length === 0) throw new Error(`README line ${readmeLine}: a console block must start with a '$ ' command`)
    else steps.at(-1)!.shown.output!.push(line)
  })
  for (const step of steps) while (step.shown.output!.at(-1) === '') step.shown.output!.pop()
  return steps
}

export interface ReadmeScript {
  script: string
  /** For each line of the script (1-based, index 0 unused), the README line it came from, or 0 for harness lines. */
  readmeLineOf: number[]
}

const bashWord = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`

/**
 * The bash script for the blocks that are not skipped. Each command whose comment expects `(exit N)` is wrapped so
 * that exactly N passes and anything else fails, and each command that shows output has it captured and compared,
 * naming the line (`README line 12`, or with another `where`, e.g. `example line 3`) when it differs.
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
  emit(`__readme_check() { node ${bashWord(CHECKER)} ${bashWord(where)} "$@" || exit 97; }`, 0)
  emit('__readme_out=$(mktemp); __readme_err=$(mktemp)', 0)
  emit(`trap 'rm -f "$__readme_out" "$__readme_err"' EXIT`, 0)
  emit(`trap 'echo "${where} \${__readme_lines[$LINENO]:-?}: exited $?" >&2' ERR`, 0)
  const checkExit = (expected: string, readmeLine: number) => `[ "$__readme_rc" -eq ${expected} ] || __readme_fail ${readmeLine} ${expected} "$__readme_rc"`
  const status = 'then __readme_rc=0; else __readme_rc=$?; fi'

  const emitStep = (step: Step) => {
    const {shown, readmeLine} = step
    const captured = shown.stdout !== undefined || shown.stderr !== undefined || shown.output !== undefined
    const redirect = shown.output ? '> "$__readme_out" 2>&1' : '> "$__readme_out" 2> "$__readme_err"'
    const after: string[] = []
    if (captured) {
      after.push(shown.output ? 'cat "$__readme_out"' : 'cat "$__readme_out"; cat "$__readme_err" >&2')
      if (step.exit !== 'any') after.push(checkExit(step.exit ?? '0', readmeLine))
      const check = (mode: string, file: string, lines: string[]) => `__readme_check ${readmeLine} ${mode} "${file}" ${lines.map(bashWord).join(' ')}`
      if (shown.stdout) after.push(check('stdout', '$__readme_out', shown.stdout))
      if (shown.stderr) after.push(check('stderr', '$__readme_err', shown.stderr))
      if (shown.output) after.push(check('output', '$__readme_out', shown.output))
    } else if (step.exit !== undefined) {
      after.push(checkExit(step.exit, readmeLine))
    }

    const wrapped = captured || step.exit !== undefined
    const closing = captured ? `} ${redirect}; ${status}` : `}; ${status}`
    if (step.heredoc.length === 0) {
      emit(wrapped ? `if { ${step.command}; ${closing}; ${after.join('; ')}` : step.command, readmeLine)
    } else {
      emit(wrapped ? `if { ${step.command}` : step.command, readmeLine)
      for (const line of step.heredoc) emit(line.text, line.readmeLine)
      if (wrapped) emit(`${closing}; ${after.join('; ')}`, readmeLine)
    }

    for (const file of redirectedFiles(step.command)) emit(`__readme_check ${readmeLine} document ${file}`, readmeLine)
    for (const line of step.after) emit(line.text, line.readmeLine)
  }

  for (const block of blocks) {
    if (block.skipReason) continue
    for (const step of block.console ? consoleSteps(block) : shSteps(block)) {
      if ('text' in step) emit(step.text, step.readmeLine)
      else emitStep(step)
    }
  }

  // The ERR trap reports a README line: give bash the table from script lines to README lines.
  const table = readmeLineOf.map((readmeLine, scriptLine) => `[${scriptLine + 1}]=${readmeLine}`).join(' ')
  return {script: [`declare -A __readme_lines=(${table})`, ...out].join('\n') + '\n', readmeLineOf: [0, 0, ...readmeLineOf.slice(1)]}
}
