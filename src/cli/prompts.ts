import {escapeControl} from '../core/text.js'
import {UsageError} from '../errors.js'

/** Prompts appear only when a person is at both ends: never in a pipe, a script or CI. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

export class PromptAborted extends UsageError {}

/** Prompts go to stderr so that stdout stays the command's result, even with --json. */
export const PROMPT_CONTEXT = {output: process.stderr} as const

function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')
}

/**
 * Asks before a destructive change. `--yes` skips the question; without a terminal the change needs `--yes`,
 * because a script that forgot it should stop rather than delete.
 */
export async function confirmDestructive(question: string, yes: boolean): Promise<void> {
  if (yes) return
  if (!isInteractive()) {
    throw new UsageError(`${question.replace(/\?$/, '')}: confirmation needed`, {
      hint: 'Pass --yes to confirm without a prompt (no terminal is attached to ask on).',
    })
  }

  let answer: boolean
  try {
    // Loaded on demand: @inquirer/prompts is large, and most runs never prompt (start-up time).
    const {confirm} = await import('@inquirer/prompts')
    answer = await confirm({message: escapeControl(question), default: false}, PROMPT_CONTEXT)
  } catch (error) {
    if (isPromptExit(error)) throw new PromptAborted('aborted: nothing was changed')
    throw error
  }

  if (!answer) throw new PromptAborted('aborted: nothing was changed')
}
