import {Document, isCollection, visit} from 'yaml'

import type {AuthMode, InfraPrivilege, InfraStage, ServicePrivilege} from '../deployer.js'
import {needsYamlEscapes} from '../text.js'
import {type SafeYamlText, yamlText} from '../yaml-text.js'
import {API_VERSION} from './document.js'

/** Writing the store's objects as a declarative document (`export`): the same shape `apply` reads back. */

export interface ExportedState {
  groups?: Array<{name: string; admin: boolean; mayCreateServices: boolean}>
  accounts?: Array<{name: string; id: string; groups: string[]}>
  services?: Array<{id: string; public: boolean; owner: string | null; permissions: Map<string, ServicePrivilege[]>; versions: string[]}>
  infrastructures?: Array<{id: string; stage: InfraStage; permissions: Map<string, InfraPrivilege[]>}>
  deployments?: Array<{id: string; service: string; infrastructure: string; version: string | null; auth: AuthMode; enabled: boolean}>
}

/** The document as plain data, keys in a fixed order: what --json prints and what the YAML text is made from. */
export function exportDocument(state: ExportedState): Record<string, unknown> {
  const document: Record<string, unknown> = {apiVersion: API_VERSION}
  if (state.groups) {
    document.groups = state.groups.map((g) => ({
      name: g.name,
      ...(g.admin ? {admin: true} : {}),
      ...(g.mayCreateServices ? {mayCreateServices: true} : {}),
    }))
  }

  if (state.accounts) {
    document.accounts = state.accounts.map((a) => ({name: a.name, id: a.id, ...(a.groups.length > 0 ? {groups: a.groups} : {})}))
  }

  if (state.services) {
    document.services = state.services.map((s) => ({
      id: s.id,
      public: s.public,
      ...(s.owner === null ? {} : {owner: s.owner}),
      ...(s.versions.length > 0 ? {versions: s.versions} : {}),
      ...(s.permissions.size > 0 ? {permissions: Object.fromEntries(s.permissions)} : {}),
    }))
  }

  if (state.infrastructures) {
    document.infrastructures = state.infrastructures.map((i) => ({
      id: i.id,
      stage: i.stage,
      ...(i.permissions.size > 0 ? {permissions: Object.fromEntries(i.permissions)} : {}),
    }))
  }

  if (state.deployments) {
    document.deployments = state.deployments.map((d) => ({
      id: d.id,
      service: d.service,
      infrastructure: d.infrastructure,
      ...(d.version === null ? {} : {version: d.version}),
      auth: d.auth,
      enabled: d.enabled,
    }))
  }

  return document
}

/**
 * YAML text of a document: block style down to each object, flow style inside it (`groups: [a, b]`,
 * `permissions: {devops: [deploy]}`), so one object reads as a few lines and a diff between two exports is small.
 * A name holding a control character, a line break or a bidirectional mark is double-quoted with it escaped, so the
 * same text is safe on a terminal and exact in a file: it applies back to the same names.
 */
export function documentYaml(document: Record<string, unknown>): SafeYamlText {
  return yamlText(document, (value) => `# yaml-language-server: $schema=https://unpkg.com/accessctl/schema/accessctl.schema.json\n${exportLayout(value)}`)
}

/** The document, a kind's list and an object are blocks; what an object holds is flow. */
const BLOCK_LEVELS = 3

// Quoted though YAML 1.2 could write them plain, as exports always were, so that no reader takes them for something
// else: what YAML 1.1 reads as a date (a version like 2026-01-01), a leading indicator (`-a`, `?a`, `:a`, `---`)
// and YAML 1.1's value and merge keys (`=`, `<<`).
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/
const INDICATOR_OR_KEY = /^(?:[-?:]|=$|<<$)/
const quotedAlways = (text: string) => DATE.test(text) || TIMESTAMP.test(text) || INDICATOR_OR_KEY.test(text)

/**
 * The layout exports have always had: no line folded, single quotes where quotes are needed and no escape is, and
 * a string that needs escapes double-quoted from the start (yamlText then writes its escapes; see yaml-text.ts).
 */
function exportLayout(value: unknown): string {
  const document = new Document(value, {aliasDuplicateObjects: false})
  visit(document, {
    Collection(_key, node, path) {
      if (path.filter(isCollection).length >= BLOCK_LEVELS) node.flow = true
    },
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return
      if (needsYamlEscapes(node.value)) node.type = 'QUOTE_DOUBLE'
      else if (quotedAlways(node.value)) node.type = 'QUOTE_SINGLE'
    },
  })
  return document.toString({lineWidth: 0, flowCollectionPadding: false, singleQuote: true})
}
