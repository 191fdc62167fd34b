import {describe, expect, it} from 'vitest'

import {didYouMean, editDistance, nearestFlags, nearestNames} from '../../src/core/suggest.js'

describe('nearestNames', () => {
  it('finds a typo, a swapped pair and a wrong case, best first', () => {
    expect(nearestNames('chrun', ['churn', 'billing', 'chum'])).toEqual(['churn'])
    expect(editDistance('chrun', 'churn')).toBe(1)
    expect(nearestNames('alise@example.com', ['frank@example.com', 'alice@example.com'])).toEqual(['alice@example.com'])
    expect(nearestNames('Churn', ['churn'])).toEqual(['churn'])
    expect(editDistance('grop', 'group')).toBe(1)
  })

  it('suggests nothing far, nothing for the name itself, and at most three', () => {
    expect(nearestNames('x', ['group', 'limit'])).toEqual([])
    expect(nearestNames('billing', ['churn'])).toEqual([])
    expect(nearestNames('churn', ['churn'])).toEqual([])
    expect(nearestNames('svc', ['svc1', 'svc2', 'svc3', 'svc4'])).toEqual(['svc1', 'svc2', 'svc3'])
  })
})

describe('nearestFlags', () => {
  const flags = [{name: 'limit'}, {name: 'offset'}, {name: 'name', char: 'n'}, {name: 'function', aliases: ['functions']}]

  it('spells each suggestion as it is typed', () => {
    expect(nearestFlags('--limt', flags)).toEqual(['--limit'])
    expect(nearestFlags('--ofset=3', flags)).toEqual(['--offset'])
    expect(nearestFlags('--funcion', flags)).toEqual(['--function', '--functions'])
    expect(nearestFlags('-limit', flags)).toEqual(['--limit'])
    expect(nearestFlags('-N', flags)).toEqual(['-n'])
  })

  it('suggests nothing for a far flag or an unrelated letter', () => {
    expect(nearestFlags('--xyzzyq', flags)).toEqual([])
    expect(nearestFlags('-x', flags)).toEqual([])
  })
})

describe('didYouMean', () => {
  it('lists one, two or three', () => {
    expect(didYouMean([])).toBeUndefined()
    expect(didYouMean(['a'])).toBe('Did you mean a?')
    expect(didYouMean(['a', 'b', 'c'])).toBe('Did you mean a, b or c?')
  })
})
