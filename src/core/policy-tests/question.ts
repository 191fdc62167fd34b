import {preview} from '../text.js'

/**
 * The `can:` / `cannot:` text of a policy test: `auth can-i`'s ACTION TARGET and its flags, written as on its
 * command line. Not a shell: words are split on spaces and tabs, and quotes, backslashes and `$` are refused rather
 * than half-understood. Nothing a question names needs them: actions, ids and flags hold no spaces (object ids are
 * A-Z a-z 0-9 . _ -), and the account is the test's own `as`.
 */

/** The flags of `auth can-i` a test may give; `--as` is the test's `as`, `--explain` is what the report says. */
export const QUESTION_FLAGS = ['infra', 'service', 'id'] as const
export type QuestionFlag = (typeof QUESTION_FLAGS)[number]

export interface QuestionWords {
  action: string
  target: string
  infra?: string
  service?: string
  id?: string
}

/** Thrown with a message for the person who wrote the question; the document reader places it. */
export class QuestionError extends Error {}

const SHELL_CHARACTERS = /["'`$\\]/

export function splitQuestion(text: string): QuestionWords {
  const shell = SHELL_CHARACTERS.exec(text)
  if (shell) {
    throw new QuestionError(`${JSON.stringify(shell[0])} is not taken in a question: write ACTION TARGET [--infra I] [--service S] [--id ID] as plain words (nothing in them needs quoting)`)
  }

  const words = text.split(/[ \t]+/).filter((word) => word !== '')
  const positional: string[] = []
  const flags: Partial<Record<QuestionFlag, string>> = {}
  for (let index = 0; index < words.length; index++) {
    const word = words[index]
    if (!word.startsWith('-')) {
      positional.push(word)
      continue
    }

    const equals = word.indexOf('=')
    const name = (equals === -1 ? word : word.slice(0, equals)).replace(/^--?/, '')
    if (name === 'as') throw new QuestionError("the account is the test's 'as', not --as")
    if (!word.startsWith('--') || !(QUESTION_FLAGS as readonly string[]).includes(name)) {
      throw new QuestionError(`unknown flag '${preview(word.slice(0, equals === -1 ? undefined : equals))}': a question takes ${QUESTION_FLAGS.map((flag) => `--${flag}`).join(', ')}`)
    }

    const flag = name as QuestionFlag
    if (flags[flag] !== undefined) throw new QuestionError(`--${flag} is given twice`)
    const value = equals === -1 ? words[++index] : word.slice(equals + 1)
    if (value === undefined || value === '' || (equals === -1 && value.startsWith('-'))) throw new QuestionError(`--${flag} needs a value`)
    flags[flag] = value
  }

  if (positional.length < 2) throw new QuestionError('a question is ACTION TARGET, as auth can-i takes them: e.g. deploy service/churn --infra prod')
  if (positional.length > 2) throw new QuestionError(`unexpected word '${preview(positional[2])}': a question is ACTION TARGET and flags`)
  return {action: positional[0], target: positional[1], ...flags}
}
