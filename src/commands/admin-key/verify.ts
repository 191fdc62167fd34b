import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {formatBytes, INPUT_LIMITS, readSecretFromStdin} from '../../cli/input.js'
import {checkAdminKey, describeAdminKeyFailure} from '../../domain/admin-keys.js'
import {UsageError, VerdictError} from '../../errors.js'

export interface AdminKeyVerifyResult {
  valid: true
  id: string
  label: string | null
  expiresAt: string | null
}

export default class AdminKeyVerify extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Check an administrative key: exit 0 if valid, 3 if not.'
  static override description = `Needs no credential and works on a locked store: it is what an API server calls. Reads the key from the first line of stdin when KEY is '-' or omitted (keeps it out of ps and shell history; at most ${formatBytes(INPUT_LIMITS.secretLine)}, the rest is not read). Prints the key's id when valid.`

  static override examples = [
    'printf %s "$ADMIN_KEY" | <%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> "$ADMIN_KEY" --json',
    '<%= config.bin %> <%= command.id %> acak_not-a-key   # not a key (exit 3)',
  ]

  static override args = {key: Args.string({description: "The key, or '-' to read it from stdin."})}
  static override credentialFree = true

  async run(): Promise<AdminKeyVerifyResult> {
    const {args, flags} = await this.parse(AdminKeyVerify)
    const presented = args.key === undefined || args.key === '-' ? keyFromStdin() : args.key
    const ctx = await this.context(flags)
    const check = checkAdminKey(ctx.store.db, presented)
    // A refused key is the answer to a client's question, not a denied attempt of the caller: not audited.
    if (!check.valid) throw new VerdictError(`invalid: ${describeAdminKeyFailure(check.reason)}`)
    this.say(`valid: admin key ${check.key.id}${check.key.label ? ` (${check.key.label})` : ''}`)
    return {valid: true, id: check.key.id, label: check.key.label, expiresAt: check.key.expiresAt}
  }
}

function keyFromStdin(): string {
  const key = readSecretFromStdin('an admin key')
  if (key === '') throw new UsageError('stdin is empty; expected an admin key', {hint: 'printf %s "$KEY" | accessctl admin-key verify'})
  return key
}
