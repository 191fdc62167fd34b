import {Args} from '@oclif/core'

import type {ApiKey, CreatedApiKey} from '../domain/api-keys.js'
import type {Deployment, DeploymentDetails} from '../domain/deployments.js'
import type {Infrastructure, InfrastructureDetails, InfraPermission} from '../domain/infrastructures.js'
import type {ServiceVersion} from '../domain/service-versions.js'
import type {Service, ServiceDetails, ServicePermission} from '../domain/services.js'
import {type Rendered, renderFields, renderTable, yesNo} from './output.js'

/** How the Deployer's objects look on a terminal, shared by the service, infra and deployment commands. */

export const serviceIdArg = Args.string({description: 'The service id.', required: true})
export const infraIdArg = Args.string({description: 'The infrastructure id.', required: true})
export const deploymentIdArg = Args.string({description: 'The deployment id.', required: true})
export const keyIdArg = Args.string({description: 'The key id, as shown by the keys list command.', required: true})

const owner = (id: string | null) => id ?? '-'
const list = (items: readonly string[]) => (items.length === 0 ? '-' : items.join(', '))

export function serviceTable(services: readonly Service[]): Rendered {
  return renderTable(services, [
    {header: 'ID', value: (s) => s.id},
    {header: 'PUBLIC', value: (s) => yesNo(s.public)},
    {header: 'OWNER', value: (s) => owner(s.ownerAccountId)},
    {header: 'CREATED', value: (s) => s.createdAt},
  ])
}

export function serviceFields(service: ServiceDetails): Rendered {
  return renderFields([
    ['id', service.id],
    ['public', yesNo(service.public)],
    ['owner', owner(service.ownerAccountId)],
    ['created', `${service.createdAt} by ${service.createdBy}`],
    ['versions', `${service.versionCount}${service.latestVersion ? ` (latest ${service.latestVersion})` : ''}`],
    ['keys', String(service.keyCount)],
    ['deployments', String(service.deploymentCount)],
    ['your privileges', list(service.privileges)],
  ])
}

export function servicePermissionTable(rows: readonly ServicePermission[]): Rendered {
  return renderTable(rows, [
    {header: 'GROUP', value: (p) => p.group},
    {header: 'READ', value: (p) => yesNo(p.read)},
    {header: 'WRITE', value: (p) => yesNo(p.write)},
    {header: 'DEPLOY', value: (p) => yesNo(p.deploy)},
    {header: 'ADMIN', value: (p) => yesNo(p.admin)},
    {header: 'EFFECTIVE', value: (p) => list(p.effective)},
  ])
}

export function versionTable(rows: readonly ServiceVersion[]): Rendered {
  return renderTable(rows, [
    {header: 'VERSION', value: (v) => v.version},
    {header: 'SIZE', value: (v) => (v.size === null ? '-' : String(v.size))},
    {header: 'SHA256', value: (v) => v.sha256 ?? '-'},
    {header: 'CREATED', value: (v) => v.createdAt},
  ])
}

export function keyTable(keys: readonly ApiKey[]): Rendered {
  return renderTable(keys, [
    {header: 'ID', value: (k) => k.id},
    {header: 'LABEL', value: (k) => k.label ?? '-'},
    {header: 'CREATED', value: (k) => k.createdAt},
    {header: 'CREATED BY', value: (k) => k.createdBy},
  ])
}

/** The key line alone goes to stdout so `K=$(accessctl ... keys create ...)` captures just the secret. */
export function createdKeyNote(key: CreatedApiKey): string {
  return `created key ${key.id}${key.label ? ` (${key.label})` : ''}; it is shown once, store it now`
}

export function infraTable(rows: readonly Infrastructure[]): Rendered {
  return renderTable(rows, [
    {header: 'ID', value: (i) => i.id},
    {header: 'STAGE', value: (i) => i.stage},
    {header: 'OWNER', value: (i) => owner(i.ownerAccountId)},
    {header: 'CREATED', value: (i) => i.createdAt},
  ])
}

export function infraFields(infra: InfrastructureDetails): Rendered {
  return renderFields([
    ['id', infra.id],
    ['stage', infra.stage],
    ['owner', owner(infra.ownerAccountId)],
    ['created', `${infra.createdAt} by ${infra.createdBy}`],
    ['deployments', String(infra.deploymentCount)],
    ['your privileges', list(infra.privileges)],
  ])
}

export function infraPermissionTable(rows: readonly InfraPermission[]): Rendered {
  return renderTable(rows, [
    {header: 'GROUP', value: (p) => p.group},
    {header: 'VIEW', value: (p) => yesNo(p.view)},
    {header: 'DEPLOY', value: (p) => yesNo(p.deploy)},
    {header: 'ADMIN', value: (p) => yesNo(p.admin)},
    {header: 'EFFECTIVE', value: (p) => list(p.effective)},
  ])
}

export function deploymentTable(rows: readonly Deployment[]): Rendered {
  return renderTable(rows, [
    {header: 'ID', value: (d) => d.id},
    {header: 'SERVICE', value: (d) => d.service},
    {header: 'INFRA', value: (d) => d.infrastructure},
    {header: 'VERSION', value: (d) => d.version ?? '-'},
    {header: 'ENABLED', value: (d) => yesNo(d.enabled)},
    {header: 'AUTH', value: (d) => d.authMode},
  ])
}

export function deploymentFields(deployment: DeploymentDetails): Rendered {
  return renderFields([
    ['id', deployment.id],
    ['service', deployment.service],
    ['infrastructure', deployment.infrastructure],
    ['version', deployment.version ?? '-'],
    ['enabled', yesNo(deployment.enabled)],
    ['auth mode', deployment.authMode],
    ['keys', String(deployment.keyCount)],
    ['owner', owner(deployment.ownerAccountId)],
    ['created', `${deployment.createdAt} by ${deployment.createdBy}`],
    ['your privileges', `service: ${list(deployment.privileges.service)}; infrastructure: ${list(deployment.privileges.infrastructure)}`],
  ])
}
