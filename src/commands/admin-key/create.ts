import {AccessctlCommand} from '../../cli/base-command.js'
import {descriptionFlag, durationFlag, labelFlag} from '../../cli/flags.js'
import {Document} from '../../cli/output.js'
import {createAdminKey, type CreatedAdminKey} from '../../domain/admin-keys.js'

export type AdminKeyCreateResult = CreatedAdminKey

export default class AdminKeyCreate extends AccessctlCommand {
  static override summary = 'Create an administrative key (full rights over the store).'
  static override description = `Prints the new key once, alone on stdout, so it can be captured: it is stored only as a SHA-256 hash and cannot be shown again. Keys start with 'acak_'. Each key has full administrative rights; there is no finer grain. Needs the operator, an admin key, or a token of a global administrator.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --label ci --description "deploy pipeline"',
    'ADMIN_KEY=$(<%= config.bin %> <%= command.id %> --label break-glass --ttl 24h)',
  ]

  static override flags = {
    label: labelFlag('A short name for the key, shown in listings'),
    description: descriptionFlag('What the key is for, shown in listings'),
    ttl: durationFlag('ttl', 'Expire the key after this long: a duration like 30m, 12h or 90d. Default: never.'),
  }

  async run(): Promise<AdminKeyCreateResult> {
    const {flags} = await this.parse(AdminKeyCreate)
    const ttlMs = flags.ttl === undefined ? undefined : flags.ttl * 1000
    const key = createAdminKey(await this.context(flags), {label: flags.label, description: flags.description, ttlMs})
    this.printDocument(Document.credential(key.key))
    this.inform(`created admin key ${key.id}: store it now, it will not be shown again`)
    return key
  }
}
