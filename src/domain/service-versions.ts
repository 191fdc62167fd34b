import {validateNewVersion, validateVersion} from '../core/deployer.js'
import {nowIso} from '../core/ids.js'
import {type ListQuery, newestFirstUnlessSorted, orderByClause, validateGlob} from '../core/list-query.js'
import {preview} from '../core/names.js'
import {ConflictError, NotFoundError} from '../errors.js'
import {actorOf, type Context, type Page, type PageOf, pageOf} from './context.js'
import {changeObject, readObject} from './permissioned-objects.js'
import {SERVICE, versionExists} from './services.js'

/** The versions of a service, with the size and SHA-256 of their archives. */

export interface ServiceVersion {
  service: string
  version: string
  /** Size in bytes of the archive given with --file, if any. */
  size: number | null
  /** SHA-256 hex of the archive given with --file, if any. */
  sha256: string | null
  createdAt: string
  createdBy: string
}

interface VersionRow {
  service_id: string
  version: string
  size: number | null
  sha256: string | null
  created_at: string
  created_by: string
}

const toVersion = (row: VersionRow): ServiceVersion => ({
  service: row.service_id,
  version: row.version,
  size: row.size,
  sha256: row.sha256,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

export function addVersion(
  ctx: Context,
  id: string,
  version: string,
  archive?: {size: number; sha256: string},
): ServiceVersion {
  validateNewVersion(version)
  return changeObject(ctx, SERVICE, id, 'versions.add', (service) => {
    const {db} = ctx.store
    if (versionExists(db, service.id, version)) {
      throw new ConflictError(`service '${service.id}' already has a version '${version}'`)
    }

    const created: ServiceVersion = {
      service: service.id,
      version,
      size: archive?.size ?? null,
      sha256: archive?.sha256 ?? null,
      createdAt: nowIso(),
      createdBy: actorOf(ctx.caller),
    }
    db.prepare('INSERT INTO service_versions (service_id, version, size, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)').run(
      created.service,
      created.version,
      created.size,
      created.sha256,
      created.createdAt,
      created.createdBy,
    )
    return created
  }, `service:${id}/version:${version}`)
}

/** The fields `service versions list --sort` takes; by default newest first, as NEWEST_FIRST. */
export const VERSION_SORT_COLUMNS = {version: 'version', size: 'size', sha256: 'sha256', created: 'created_at'} as const

/** --name matches the version. */
export function listVersions(ctx: Context, id: string, page: Page & ListQuery): PageOf<ServiceVersion> {
  const orderBy = orderByClause(VERSION_SORT_COLUMNS, newestFirstUnlessSorted(page), 'created', 'version')
  const name = page.name === undefined ? null : validateGlob(page.name)
  return readObject(ctx, SERVICE, id, 'versions.list', (service) => {
    const rows = ctx.store.db
      .prepare(
        `SELECT service_id, version, size, sha256, created_at, created_by FROM service_versions
         WHERE service_id = ? AND (? IS NULL OR version GLOB ?) ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      )
      .iterate(service.id, name, name, page.limit + 1, page.offset) as IterableIterator<VersionRow>
    return pageOf(rows, page, toVersion)
  })
}

/** Deletes a version; refused while a deployment runs it. */
export function deleteVersion(ctx: Context, id: string, version: string): ServiceVersion {
  validateVersion(version)
  return changeObject(ctx, SERVICE, id, 'versions.delete', (service) => {
    const {db} = ctx.store
    const row = db
      .prepare('SELECT service_id, version, size, sha256, created_at, created_by FROM service_versions WHERE service_id = ? AND version = ?')
      .get(service.id, version) as VersionRow | undefined
    if (!row) throw new NotFoundError(`service '${service.id}' has no version '${preview(version)}'`)
    const users = db.prepare('SELECT id FROM deployments WHERE service_id = ? AND version = ? ORDER BY id LIMIT 3').pluck().all(service.id, version) as string[]
    if (users.length > 0) {
      throw new ConflictError(`version '${version}' of service '${service.id}' is deployed (${users.join(', ')})`, {
        hint: 'Move those deployments to another version first (deployment update ID --version V).',
      })
    }

    db.prepare('DELETE FROM service_versions WHERE service_id = ? AND version = ?').run(service.id, version)
    return toVersion(row)
  }, `service:${id}/version:${version}`)
}
