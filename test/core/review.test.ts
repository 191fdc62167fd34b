import {describe, expect, it} from 'vitest'

import {formatLifetime, longLivedAdminToken, oldQueryKey, publicProductionDeployment} from '../../src/core/review.js'

const HOUR = 3_600_000
const at = (ms: number) => new Date(ms).toISOString()

describe('the review\'s findings', () => {
  it.each([
    [24 * HOUR, undefined],
    [24 * HOUR + 1000, '24 hours'],
    [48 * HOUR - 500, '2 days'],
    [90 * 24 * HOUR, '90 days'],
  ])('an Admin token living %i ms is %s', (lifetime, shown) => {
    const finding = longLivedAdminToken({jti: 'j', account: {id: 'a', name: 'n'}, role: 'Admin', label: null, createdAt: at(0), expiresAt: at(lifetime)})
    if (shown === undefined) expect(finding).toBeUndefined()
    else expect(finding?.reason).toContain(`living ${shown}`)
  })

  it('a query key is old past 90 days, not at them', () => {
    const now = new Date(Date.UTC(2026, 5, 1))
    const key = (days: number) => ({id: 'k', of: {type: 'service' as const, id: 's'}, label: null, createdAt: at(now.getTime() - days * 24 * HOUR)})
    expect(oldQueryKey(key(90), now)).toBeUndefined()
    expect(oldQueryKey(key(91), now)).toMatchObject({kind: 'old-query-key', object: {type: 'service-key', id: 'k'}, parent: {type: 'service', id: 's'}})
  })

  it.each([
    ['public', false, true, 'in public mode'],
    ['inherit', true, true, 'in inherit mode on public service svc'],
    ['inherit', false, true, undefined],
    ['api-keys', true, true, undefined],
    ['public', false, false, 'once it is enabled again'],
  ] as const)('a Production deployment in %s mode (public service: %s, enabled: %s)', (authMode, servicePublic, enabled, reason) => {
    const finding = publicProductionDeployment({id: 'd', service: 'svc', infrastructure: 'prod', authMode, servicePublic, enabled})
    if (reason === undefined) expect(finding).toBeUndefined()
    else expect(finding?.reason).toContain(reason)
  })

  it('formats lifetimes in hours below two days', () => {
    expect([formatLifetime(HOUR), formatLifetime(47 * HOUR), formatLifetime(72 * HOUR)]).toEqual(['1 hour', '47 hours', '3 days'])
  })
})
