import {expect} from 'vitest'

import {type CurrentState, emptyCurrentState} from '../../src/core/declarative/plan.js'
import {parseDesiredState} from '../../src/core/declarative/parse.js'
import {UsageError} from '../../src/errors.js'

/** What the tests of the declarative document (test/core/declarative/) share: a store, a parser, a full document. */

/** A fresh store: only the everyone group. */
export function emptyStore(): CurrentState {
  const state = emptyCurrentState()
  state.groups.set('everyone', {admin: false, mayCreateServices: false})
  return state
}

export const parse = (text: string) => parseDesiredState(text, 'doc.yaml')
export const failure = (text: string): string => {
  try {
    parse(text)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }

  throw new Error('expected the document to be refused')
}

export const FULL = `apiVersion: accessctl/v1
groups:
  - name: devops
    admin: false
    mayCreateServices: true
    members: [alice@example.com]
accounts:
  - name: alice@example.com
    id: 0123456789abcdef0123456789abcdef
    groups: []
services:
  - id: churn
    public: false
    owner: alice@example.com
    versions: [v1, "2"]
    permissions: {devops: [deploy, read], everyone: []}
infrastructures:
  - id: prod
    stage: Production
    permissions: {devops: [admin]}
deployments:
  - service: churn
    infrastructure: prod
    version: v1
    auth: api-keys
    enabled: false
`
