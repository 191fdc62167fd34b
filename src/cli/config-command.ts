import {type ContextConfig, type ContextEntry} from '../core/contexts.js'
import {UsageError} from '../errors.js'
import {literalPath} from '../store/private-files.js'
import {AccessctlCommand} from './base-command.js'
import {withConfigLock} from './config-lock.js'
import {configFilePath, loadContextConfig, prepareConfigFolder, writeConfigText} from './context-config.js'

/**
 * The `config` commands: they read and write the contexts file only, never a store. So they take none of the global
 * flags (--store, a credential, --context): set-context's --store is the context's store, not the one to open, and
 * ACCESSCTL_STORE or ACCESSCTL_CONTEXT in the environment must not change what they write.
 */
export abstract class ConfigCommand extends AccessctlCommand {
  // The static side must stay assignable to the base command's: the object is empty, the type is the base's.
  static override baseFlags = {} as typeof AccessctlCommand.baseFlags

  protected configFile(): string {
    const file = configFilePath()
    if (file === undefined) {
      throw new UsageError('there is no home folder to keep the config file in', {hint: 'Set XDG_CONFIG_HOME to an absolute path, or HOME.'})
    }

    return file
  }

  protected async readConfig(): Promise<{file: string; config: ContextConfig}> {
    const file = this.configFile()
    return {file, config: await loadContextConfig(file)}
  }

  /**
   * Reads the config file, changes it and writes it back as one step under the config lock (src/cli/config-lock.ts),
   * so that two changes at the same moment both land. `change` is pure and may throw, leaving the file as it was;
   * anything slow (a question, a credential file's check) belongs before this call.
   */
  protected async changeConfig<T extends {config: ContextConfig}>(change: (config: ContextConfig) => T): Promise<T> {
    const file = this.configFile()
    prepareConfigFolder(file)
    return withConfigLock(file, async () => {
      const changed = change(await loadContextConfig(file))
      const {contextConfigText} = await import('../core/context-file.js')
      writeConfigText(file, contextConfigText(changed.config))
      return changed
    })
  }
}

/** A context as `--json` shows it: every field present, null when not set. */
export interface ContextJson {
  name: string
  current: boolean
  store: string
  tokenFile: string | null
  adminKeyFile: string | null
}

export function contextJson(context: ContextEntry, current: string | undefined): ContextJson {
  return {name: context.name, current: context.name === current, store: context.store, tokenFile: context.tokenFile ?? null, adminKeyFile: context.adminKeyFile ?? null}
}

/** A path given to set-context, made absolute against the current folder and otherwise taken literally (no ~). */
export function absolutePath(path: string, flag: string): string {
  return literalPath(path, flag)
}
