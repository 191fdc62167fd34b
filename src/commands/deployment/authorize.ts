import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {deploymentIdArg} from '../../cli/deployer-views.js'
import {formatBytes, INPUT_LIMITS, readSecretFromStdin} from '../../cli/input.js'
import {UsageError} from '../../errors.js'
import {type Authorization, authorizeClient, type ClientCredential, NotAdmittedError} from '../../domain/query-auth.js'

export type DeploymentAuthorizeResult = Authorization

export default class DeploymentAuthorize extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'May this client query this deployment now?'
  static override description = `Answers what an API server asks on each request: is the client with this key or token admitted to the deployment? Exit 0 naming what admitted it, exit 3 saying why not. Needs no credential of its own.
  disabled deployment      nobody is admitted
  auth mode public         everyone is admitted
  auth mode inherit        the service decides: public, or one of the service's keys
  auth mode api-keys       one of the deployment's own keys

A client token (--bearer, as sent in Authorization: Bearer) is admitted in every mode when it is valid, grants consume on deployments for the deployment's owner account or its id, AND its account may see the deployment (read on the service and view on the infrastructure): a token never exceeds its account. With no key nor token, the answer is for an anonymous client. Prefer --key-stdin to --key and --bearer-stdin to --bearer: other users can read a process's arguments (/proc/PID/cmdline), not its stdin.`

  static override examples = [
    'printf %s "$KEY" | <%= config.bin %> <%= command.id %> churn-model-on-prod-eu --key-stdin',
    '<%= config.bin %> <%= command.id %> churn-model-on-prod-eu   # no key: not admitted (exit 3)',
    '<%= config.bin %> <%= command.id %> churn-model-on-dev-cluster',
    '<%= config.bin %> <%= command.id %> churn-model-on-prod-eu --bearer "$CLIENT_TOKEN" --json',
    'printf %s "$CLIENT_TOKEN" | <%= config.bin %> <%= command.id %> churn-model-on-prod-eu --bearer-stdin',
  ]

  /** API servers call this on every request: no credential needed, even on a locked store. */
  static override credentialFree = true

  static override args = {id: deploymentIdArg}
  static override flags = {
    key: Flags.string({description: 'The query key the client presented.', exclusive: ['key-stdin', 'bearer', 'bearer-stdin']}),
    'key-stdin': Flags.boolean({
      description: `Read the query key from the first line of stdin (at most ${formatBytes(INPUT_LIMITS.secretLine)}; the rest is not read).`,
      exclusive: ['key', 'bearer', 'bearer-stdin'],
    }),
    bearer: Flags.string({
      description: 'The token the client presented (the Authorization: Bearer value).',
      exclusive: ['key', 'key-stdin', 'bearer-stdin'],
    }),
    'bearer-stdin': Flags.boolean({
      description: `Read the client's token from the first line of stdin (at most ${formatBytes(INPUT_LIMITS.tokenLine)}; the rest is not read).`,
      exclusive: ['key', 'key-stdin', 'bearer'],
    }),
  }

  async run(): Promise<DeploymentAuthorizeResult> {
    const {args, flags} = await this.parse(DeploymentAuthorize)
    const credential = await credentialFrom(flags)
    const {store} = await this.context(flags)
    const answer = store.read(() => authorizeClient(store.db, args.id, credential))
    if (!answer.admitted) throw new NotAdmittedError(answer)
    this.say(`admitted: ${answer.reason}`)
    return answer
  }
}

async function credentialFrom(flags: {key?: string; 'key-stdin'?: boolean; bearer?: string; 'bearer-stdin'?: boolean}): Promise<ClientCredential> {
  if (flags['bearer-stdin']) {
    const token = readSecretFromStdin("the client's token", INPUT_LIMITS.tokenLine)
    if (token === '') throw new UsageError('the token is empty', {hint: 'Write the token to stdin.'})
    return {kind: 'bearer', token}
  }

  if (flags.bearer !== undefined) return {kind: 'bearer', token: flags.bearer.trim()}
  let key = flags.key
  if (flags['key-stdin']) key = readSecretFromStdin('a query key')
  if (key === undefined) return {kind: 'none'}
  key = key.trim()
  if (key === '') throw new UsageError('the key is empty', {hint: flags['key-stdin'] ? 'Write the key to stdin.' : 'Give --key KEY.'})
  return {kind: 'key', key}
}
