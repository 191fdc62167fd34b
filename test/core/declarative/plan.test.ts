import {describe, expect, it} from 'vitest'

import {describeChange} from '../../../src/core/declarative/describe.js'
import {computePlan} from '../../../src/core/declarative/plan.js'
import {emptyStore, FULL, parse} from '../../helpers/declarative.js'

describe('computePlan', () => {
  it('plans every creation against an empty store, and places each unknown reference at its line', () => {
    const parsed = parse(FULL)
    const {changes, problems} = computePlan(parsed.state, emptyStore(), {prune: false})
    expect(problems).toEqual([])
    expect(changes.map(({change}) => describeChange(change))).toEqual([
      '+ create group devops (admin: false, mayCreateServices: true)',
      '+ create account alice@example.com (id: 0123456789abcdef0123456789abcdef, groups: [devops])',
      '+ create service churn (public: false, owner: alice@example.com)',
      '+ create service version churn/v1',
      '+ create service version churn/2',
      '+ create service permission churn/devops ([read, deploy])',
      '+ create service permission churn/everyone ([])',
      '+ create infrastructure prod (stage: Production)',
      '+ create infrastructure permission prod/devops ([admin])',
      '+ create deployment churn-on-prod (service: churn, infrastructure: prod, version: v1, auth: api-keys, enabled: false)',
    ])

    const bad = parse(`apiVersion: accessctl/v1
accounts:
  - name: bob
    groups: [nobody]
services:
  - id: s
    owner: carol
    versions: [v1]
deployments:
  - service: s
    infrastructure: nowhere
    version: v2
`)
    const planned = computePlan(bad.state, emptyStore(), {prune: false})
    expect(planned.problems.map(bad.locate)).toEqual([
      "line 4 of doc.yaml: no group named 'nobody' in the document or the store",
      "line 7 of doc.yaml: no account with id or name 'carol' in the document or the store",
      "line 12 of doc.yaml: service 's' has no version 'v2' in the document or the store",
      "line 11 of doc.yaml: no infrastructure with id 'nowhere' in the document or the store",
    ])
  })

  it('changes only what differs, and removes only with --prune (never everyone)', () => {
    const store = emptyStore()
    store.groups.set('devops', {admin: true, mayCreateServices: false})
    store.groups.set('old', {admin: false, mayCreateServices: false})
    store.services.set('churn', {public: true, ownerAccountId: null, permissions: new Map([['old', ['read']]]), versions: ['v1']})
    const parsed = parse('apiVersion: accessctl/v1\ngroups:\n  - name: devops\n    admin: false\nservices:\n  - id: churn\n    permissions: {}\n')
    const describe = (prune: boolean) => computePlan(parsed.state, store, {prune}).changes.map(({change}) => describeChange(change))
    expect(describe(false)).toEqual(['~ change group devops: admin true -> false', '- remove service permission churn/old'])
    expect(describe(true)).toEqual(['~ change group devops: admin true -> false', '- remove service permission churn/old', '- remove group old'])
  })
})
