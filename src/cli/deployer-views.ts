import {Args} from '@oclif/core'

import type {ApiKey, CreatedApiKey} from '../domain/api-keys.js'
import type {Deployment, DeploymentDetails} from '../domain/deployments.js'
import type {Infrastructure, InfrastructureDetails, InfraPermission} from '../domain/infrastructures.js'
import type {ServiceVersion} from '../domain/service-versions.js'
import type {Service, ServiceDetails, ServicePermission} from '../domain/services.js'
import type {Display} from './display.js'
import {type Column, type Rendered, renderFields, yesNo} from './output.js'

/**
 * How the Deployer's objects look in human output, shared by the service, infra and deployment commands. Times
 * and owners go through the Display, so a terminal shows "2 hours ago" and owner names, and a pipe RFC 3339 and ids.
 */

export const serviceIdArg = Args.string({description: 'The service id.', required: true})
export const infraIdArg = Args.string({description: 'The infrastructure id.', required: true})
export const deploymentIdArg = Args.string({description: 'The deployment id.', required: true})
export const keyIdArg = Args.string({description: 'The key id, as shown by the keys list command.', required: true})

const list = (items: readonly string[]) => (items.length === 0 ? '-' : items.join(', '))
// In fields, nothing is shown empty: YAML reads it as null, where `-` would not be valid YAML.
const fieldList = (items: readonly string[]) => (items.length === 0 ? null : items.join(', '))
const fieldAccount = (show: Display, id: string | null) => (id === null ? null : show.account(id))

export function serviceColumns(show: Display): Array<Column<Service>> {
  return [
    {header: 'ID', value: (s) => s.id},
    {header: 'PUBLIC', value: (s) => yesNo(s.public)},
    {header: 'OWNER', value: (s) => show.account(s.ownerAccountId)},
    {header: 'CREATED', value: (s) => show.time(s.createdAt)},
  ]
}

export function serviceFields(service: ServiceDetails, show: Display): Rendered {
  return renderFields([
    ['id', service.id],
    ['public', yesNo(service.public)],
    ['owner', fieldAccount(show, service.ownerAccountId)],
    ['created', `${show.time(service.createdAt)} by ${show.actor(service.createdBy)}`],
    ['versions', service.latestVersion ? `${service.versionCount} (latest ${service.latestVersion})` : service.versionCount],
    ['keys', service.keyCount],
    ['deployments', service.deploymentCount],
    ['your privileges', fieldList(service.privileges)],
  ])
}

export const servicePermissionColumns: Array<Column<ServicePermission>> = [
  {header: 'GROUP', value: (p) => p.group},
  {header: 'READ', value: (p) => yesNo(p.read)},
  {header: 'WRITE', value: (p) => yesNo(p.write)},
  {header: 'DEPLOY', value: (p) => yesNo(p.deploy)},
  {header: 'ADMIN', value: (p) => yesNo(p.admin)},
  {header: 'EFFECTIVE', value: (p) => list(p.effective)},
]

export function versionColumns(show: Display): Array<Column<ServiceVersion>> {
  return [
    {header: 'VERSION', value: (v) => v.version},
    {header: 'SIZE', value: (v) => (v.size === null ? '-' : String(v.size))},
    {header: 'SHA256', value: (v) => v.sha256 ?? '-'},
    {header: 'CREATED', value: (v) => show.time(v.createdAt)},
  ]
}

export function keyColumns(show: Display): Array<Column<ApiKey>> {
  return [
    {header: 'ID', value: (k) => k.id},
    {header: 'LABEL', value: (k) => k.label ?? '-'},
    {header: 'CREATED', value: (k) => show.time(k.createdAt)},
    {header: 'CREATED BY', value: (k) => show.actor(k.createdBy)},
  ]
}

/** The key line alone goes to stdout so `K=$(accessctl ... keys create ...)` captures just the secret. */
export function createdKeyNote(key: CreatedApiKey): string {
  return `created key ${key.id}${key.label ? ` (${key.label})` : ''}; it is shown once, store it now`
}

export function infraColumns(show: Display): Array<Column<Infrastructure>> {
  return [
    {header: 'ID', value: (i) => i.id},
    {header: 'STAGE', value: (i) => i.stage},
    {header: 'OWNER', value: (i) => show.account(i.ownerAccountId)},
    {header: 'CREATED', value: (i) => show.time(i.createdAt)},
  ]
}

export function infraFields(infra: InfrastructureDetails, show: Display): Rendered {
  return renderFields([
    ['id', infra.id],
    ['stage', infra.stage],
    ['owner', fieldAccount(show, infra.ownerAccountId)],
    ['created', `${show.time(infra.createdAt)} by ${show.actor(infra.createdBy)}`],
    ['deployments', infra.deploymentCount],
    ['your privileges', fieldList(infra.privileges)],
  ])
}

export const infraPermissionColumns: Array<Column<InfraPermission>> = [
  {header: 'GROUP', value: (p) => p.group},
  {header: 'VIEW', value: (p) => yesNo(p.view)},
  {header: 'DEPLOY', value: (p) => yesNo(p.deploy)},
  {header: 'ADMIN', value: (p) => yesNo(p.admin)},
  {header: 'EFFECTIVE', value: (p) => list(p.effective)},
]

export const deploymentColumns: Array<Column<Deployment>> = [
  {header: 'ID', value: (d) => d.id},
  {header: 'SERVICE', value: (d) => d.service},
  {header: 'INFRA', value: (d) => d.infrastructure},
  {header: 'VERSION', value: (d) => d.version ?? '-'},
  {header: 'ENABLED', value: (d) => yesNo(d.enabled)},
  {header: 'AUTH', value: (d) => d.authMode},
]

export function deploymentFields(deployment: DeploymentDetails, show: Display): Rendered {
  return renderFields([
    ['id', deployment.id],
    ['service', deployment.service],
    ['infrastructure', deployment.infrastructure],
    ['version', deployment.version],
    ['enabled', yesNo(deployment.enabled)],
    ['auth mode', deployment.authMode],
    ['keys', deployment.keyCount],
    ['owner', fieldAccount(show, deployment.ownerAccountId)],
    ['created', `${show.time(deployment.createdAt)} by ${show.actor(deployment.createdBy)}`],
    ['your service privileges', fieldList(deployment.privileges.service)],
    ['your infra privileges', fieldList(deployment.privileges.infrastructure)],
  ])
}
