/**
 * The checks of the README test (and the help-examples test) that bash makes badly, run by the script
 * readme-script.ts writes:
 *
 *   node readme-check.mjs WHERE LINE stdout FILE LINE...    FILE (a command's stdout) is exactly these lines
 *   node readme-check.mjs WHERE LINE stderr FILE LINE...    FILE (its stderr) starts with these lines
 *   node readme-check.mjs WHERE LINE output FILE LINE...    FILE (stdout and stderr together) is exactly these lines
 *   node readme-check.mjs WHERE LINE document FILE          FILE, a document the command wrote, parses as its
 *                                                           name says: .json with JSON.parse, .yaml/.yml with yaml
 *
 * In a shown line `...` stands for any text within the line. On a difference it prints `WHERE LINE: ...` (e.g.
 * `README line 12: ...`) on stderr, then what was printed, and exits 1.
 */
import {readFileSync} from 'node:fs'
import {extname} from 'node:path'
import {parseAllDocuments} from 'yaml'

const [where, line, mode, file, ...shown] = process.argv.slice(2)

function fail(message, detail = '') {
  process.stderr.write(`${where} ${line}: ${message}\n${detail}`)
  process.exit(1)
}

function read() {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    return fail(`cannot read ${file}: ${error.message}`)
  }
}

const escapeRegExp = (text) => text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')
const matches = (pattern, text) => new RegExp(`^${pattern.split('...').map(escapeRegExp).join('[^\\n]*')}$`).test(text)

if (mode === 'document') {
  const text = read()
  const kind = extname(file).toLowerCase()
  if (kind === '.json') {
    try {
      JSON.parse(text)
    } catch (error) {
      fail(`${file} is not JSON: ${error.message}`, `${text.slice(0, 2000)}\n`)
    }
  } else if (kind === '.yaml' || kind === '.yml') {
    const problem = parseAllDocuments(text).flatMap((document) => document.errors)[0]
    if (problem) fail(`${file} is not YAML: ${problem.message.split('\n')[0]}`, `${text.slice(0, 2000)}\n`)
  }
} else if (mode === 'stdout' || mode === 'stderr' || mode === 'output') {
  const text = read()
  const printed = text.replace(/\n$/, '').split('\n')
  const whole = mode !== 'stderr'
  const differs = shown.findIndex((pattern, index) => printed[index] === undefined || !matches(pattern, printed[index]))
  if (differs >= 0 || (whole && printed.length !== shown.length)) {
    const at = differs >= 0 ? differs : shown.length
    const what = {stdout: 'stdout', stderr: 'stderr', output: 'the output'}[mode]
    fail(
      `${what} line ${at + 1} is ${JSON.stringify(printed[at] ?? '(none)')}, not ${JSON.stringify(shown[at] ?? '(nothing more)')} as shown`,
      `--- printed\n${text}--- shown\n${shown.join('\n')}\n`,
    )
  }
} else {
  fail(`readme-check.mjs: unknown mode ${mode}`)
}
