import type {Interfaces} from '@oclif/core'

import {homedir} from 'node:os'
import {basename} from 'node:path'

import type {ArgSpec, CommandSpec, CommandTree, FlagSpec} from '../core/completion.js'
import {type Shell, SHELLS} from '../core/completion-scripts.js'
import {UsageError} from '../errors.js'
import {AccessctlCommand} from './base-command.js'

/**
 * The command tree completion reads, from the config the command runs with: oclif's full Config, or the fast path's
 * stand-in (src/sea/fast-path.ts), which answers findCommand from the manifest. Both hold what the manifest holds.
 */
export function commandTreeOf(config: Interfaces.Config): CommandTree {
  const commands: Record<string, CommandSpec> = {}
  for (const id of config.commandIDs) {
    const found = config.findCommand(id) as unknown as
      | {hidden?: boolean; summary?: string; description?: string; flags?: Record<string, FlagSpec>; args?: Record<string, ArgSpec>}
      | undefined
    if (!found) continue
    commands[id] = {id, hidden: found.hidden, summary: found.summary, description: found.description, flags: found.flags ?? {}, args: found.args ?? {}}
  }

  const topics = (config.pjson.oclif.topics ?? {}) as Record<string, {description?: string}>
  return {commands, topics}
}

/**
 * The global flags (store and credential) among the flags typed on the command line being completed: the names come
 * from the base command, so a global flag added there is read here too.
 */
export function credentialFlags(typed: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(AccessctlCommand.baseFlags).flatMap((name) => (typed[name] === undefined || typed[name] === '' ? [] : [[name, typed[name]]])))
}

/** A typed `--store ~/x` reaches completion unexpanded: the shell expands it only when the line runs. */
export function withoutTilde(flags: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const store = flags.store
  if (store === undefined || !(store === '~' || store.startsWith('~/'))) return flags
  return {...flags, store: `${env.HOME || homedir()}${store.slice(1)}`}
}

/** The shell named by $SHELL, for `autocomplete` without one. */
export function loginShell(env: NodeJS.ProcessEnv): Shell {
  const name = basename(env.SHELL ?? '')
  if ((SHELLS as readonly string[]).includes(name)) return name as Shell
  throw new UsageError(`cannot tell your shell from $SHELL (${name || 'not set'}): give bash or zsh`, {
    hint: 'accessctl autocomplete bash, or accessctl autocomplete zsh.',
  })
}
