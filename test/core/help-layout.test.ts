import {describe, expect, it} from 'vitest'

import {groupHelpEntries, wrapCommandLine, wrapHelpText} from '../../src/core/help-layout.js'

const longest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length))
const words = (text: string) => text.split(/\s+/).filter(Boolean)

describe('wrapHelpText', () => {
  it('flows a paragraph to the width, keeping every word', () => {
    const text = 'Creates an account and prints its id. The name is stored exactly as given; it must be unique.'
    const wrapped = wrapHelpText(text, 30)
    expect(wrapped.split('\n')).toEqual(['Creates an account and prints', 'its id. The name is stored', 'exactly as given; it must be', 'unique.'])
    expect(words(wrapped)).toEqual(words(text))
  })

  it('keeps blank lines between paragraphs', () => {
    expect(wrapHelpText('One paragraph.\n\nAnother one.', 80)).toBe('One paragraph.\n\nAnother one.')
  })

  it('continues a row of columns under its last column, keeping the row indented', () => {
    const text = 'Modes:\n  inherit   follow the service: public, or one of its keys\n  public    anyone may query it'
    expect(wrapHelpText(text, 40).split('\n')).toEqual([
      'Modes:',
      '  inherit   follow the service: public,',
      '            or one of its keys',
      '  public    anyone may query it',
    ])
  })

  it('continues a list item under its text', () => {
    expect(wrapHelpText('- the first item, which is rather long\n- the second', 24).split('\n')).toEqual([
      '- the first item, which',
      '  is rather long',
      '- the second',
    ])
  })

  it('continues under the start when the last column is too far right for the width', () => {
    const wrapped = wrapHelpText('  GET  /v1/deployments/ID/authorize   forward auth for nginx and Traefik', 40)
    expect(wrapped.split('\n')[1]).toMatch(/^ {6}\S/)
    expect(longest(wrapped)).toBeLessThanOrEqual(40)
  })

  it('never makes a line longer than the width, cutting a word longer than it', () => {
    const wrapped = wrapHelpText(`short ${'x'.repeat(50)} end`, 20)
    expect(longest(wrapped)).toBeLessThanOrEqual(20)
    expect(wrapped.replaceAll(/\s/g, '')).toBe(`short${'x'.repeat(50)}end`)
  })
})

describe('wrapCommandLine', () => {
  it('breaks a command as a shell reads it back: a backslash at each break, continuations indented', () => {
    const wrapped = wrapCommandLine('  $ accessctl accounts create -n erin@example.com --group data-scientists', 40)
    expect(wrapped.split('\n')).toEqual(['  $ accessctl accounts create -n \\', '    erin@example.com --group \\', '    data-scientists'])
    expect(longest(wrapped)).toBeLessThanOrEqual(40)
  })

  it('leaves a command that fits as it is', () => {
    expect(wrapCommandLine('$ accessctl COMMAND', 80)).toBe('$ accessctl COMMAND')
  })
})

describe('groupHelpEntries', () => {
  const entry = (name: string) => ({name, description: `about ${name}`})
  const groups = [
    {title: 'IDENTITY', names: ['accounts', 'groups', 'config']},
    {title: 'SHELL', names: ['autocomplete', 'accounts']},
    {title: 'EMPTY', names: ['nothing']},
  ]

  it.each([
    {
      case: 'a listed name that does not exist is skipped, a group left empty is left out',
      entries: ['groups', 'accounts'],
      expected: {IDENTITY: ['accounts', 'groups']},
    },
    {
      case: 'an entry in no group goes under OTHER, in the order given',
      entries: ['zeta', 'accounts', 'alpha', 'autocomplete'],
      expected: {IDENTITY: ['accounts'], SHELL: ['autocomplete'], OTHER: ['zeta', 'alpha']},
    },
    {
      case: 'a name listed in two groups is shown in the first only',
      entries: ['accounts', 'autocomplete', 'config'],
      expected: {IDENTITY: ['accounts', 'config'], SHELL: ['autocomplete']},
    },
  ])('$case', ({entries, expected}) => {
    const grouped = groupHelpEntries(entries.map(entry), groups)
    expect(Object.fromEntries(grouped.map(({title, entries}) => [title, entries.map(({name}) => name)]))).toEqual(expected)
    const shown = grouped.flatMap(({entries}) => entries.map(({name}) => name))
    expect(shown.toSorted()).toEqual(entries.toSorted())
  })
})

describe('wrapCommandLine and comments', () => {
  it('never breaks inside a trailing comment: it follows the wrapped command on comment lines of its own', () => {
    const wrapped = wrapCommandLine('  $ accessctl deployment auth set churn-model --mode api-keys   # => set: api-keys (exit 0)', 40)
    expect(wrapped.split('\n')).toEqual([
      '  $ accessctl deployment auth set \\',
      '    churn-model --mode api-keys',
      '    # => set: api-keys (exit 0)',
    ])
  })

  it('keeps a comment on the last line when it fits there', () => {
    expect(wrapCommandLine('$ accessctl auth can-i create service --as someone   # => yes', 50).split('\n')).toEqual([
      '$ accessctl auth can-i create service --as \\',
      '  someone   # => yes',
    ])
  })
})
