import type {AccountRef, Change, ChangeKind} from './plan.js'

/** A planned change as people read it (one line of `apply` and `diff`) and as --json shows it. */

const KIND_NAMES: Record<ChangeKind, string> = {
  group: 'group',
  account: 'account',
  membership: 'membership',
  service: 'service',
  'service-version': 'service version',
  'service-permission': 'service permission',
  infrastructure: 'infrastructure',
  'infra-permission': 'infrastructure permission',
  deployment: 'deployment',
}

const show = (value: unknown): string => (Array.isArray(value) ? `[${value.join(', ')}]` : value === null || value === undefined ? 'none' : String(value))

/** `+ create service churn (public: true)`, `~ change group devops: admin false -> true`, `- remove deployment x`. */
export function describeChange(change: Change): string {
  const what = `${KIND_NAMES[change.kind]} ${change.target}`
  switch (change.op) {
    case 'create': {
      const details = createdDetails(change)
      return `+ create ${what}${details ? ` (${details})` : ''}`
    }

    case 'change': {
      const fields = change.fields ?? []
      return `~ change ${what}: ${fields.map((f) => `${f.field} ${show(f.from)} -> ${show(f.to)}`).join(', ')}`
    }

    case 'remove': {
      return `- remove ${what}`
    }
  }
}

function createdDetails(change: Change): string {
  if (change.op !== 'create') return ''
  switch (change.kind) {
    case 'group': {
      return `admin: ${change.values.admin}, mayCreateServices: ${change.values.mayCreateServices}`
    }

    case 'account': {
      const parts = change.values.id ? [`id: ${change.values.id}`] : []
      if (change.values.groups.length > 0) parts.push(`groups: ${show(change.values.groups)}`)
      return parts.join(', ')
    }

    case 'service': {
      return `public: ${change.values.public}${change.values.owner ? `, owner: ${change.values.owner.name}` : ''}`
    }

    case 'service-permission':
    case 'infra-permission': {
      return show(change.privileges)
    }

    case 'infrastructure': {
      return `stage: ${change.values.stage}`
    }

    case 'deployment': {
      const v = change.values
      return `service: ${v.service}, infrastructure: ${v.infrastructure}, version: ${v.version}, auth: ${v.auth}, enabled: ${v.enabled}`
    }

    default: {
      return ''
    }
  }
}

/** The plan as --json shows it: what changes, never how (account refs by name and id). */
export function changeJson(change: Change): Record<string, unknown> {
  const {op, kind, target} = change
  const result: Record<string, unknown> = {op, kind, target}
  if ('fields' in change && change.fields) result.fields = change.fields
  if ('values' in change && op === 'create') {
    const values: Record<string, unknown> = {...change.values}
    if (values.owner) values.owner = (values.owner as AccountRef).name
    result.values = values
  }

  if ('privileges' in change) result.privileges = change.privileges
  return result
}
