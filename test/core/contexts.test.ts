import {describe, expect, it} from 'vitest'

import {contextConfigText, parseContextConfig} from '../../src/core/context-file.js'
import {chooseContext, type ContextConfig, deleteContext, resolveSettings, setContext} from '../../src/core/contexts.js'
import {UsageError} from '../../src/errors.js'

const config: ContextConfig = {
  currentContext: 'main',
  contexts: [
    {name: 'main', store: '/s/main.db', tokenFile: '/c/main.token'},
    {name: 'ops', store: '/s/ops.db', adminKeyFile: '/c/ops.key'},
    {name: 'bare', store: '/s/bare.db'},
  ],
}

describe('chooseContext: --context > ACCESSCTL_CONTEXT > current-context', () => {
  it.each([
    [{flag: 'ops', environment: 'bare'}, {name: 'ops', from: 'flag'}],
    [{environment: 'bare'}, {name: 'bare', from: 'environment'}],
    [{}, {name: 'main', from: 'config file'}],
  ])('%j', (asked, choice) => {
    expect(chooseContext(config, asked, 'FILE')?.choice).toEqual(choice)
  })

  it('none: no file, nothing asked', () => {
    expect(chooseContext({contexts: []}, {}, 'FILE')).toBeUndefined()
  })

  it.each([
    [{flag: 'mian'}, "--context names no context: 'mian'", 'Did you mean main?'],
    [{environment: 'opz'}, "ACCESSCTL_CONTEXT names no context: 'opz'", 'Did you mean ops?'],
  ])('an unknown name is a usage error with the nearest: %j', (asked, message, hint) => {
    const error = (() => {
      try {
        chooseContext(config, asked, 'FILE')
      } catch (caught) {
        return caught as UsageError
      }
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect(error?.message).toBe(message)
    expect(error?.hint).toMatch(new RegExp(`^${hint.replace('?', '\\?')}`))
  })
})

describe('resolveSettings: per setting, flag > environment > context > default', () => {
  const main = {choice: {name: 'main', from: 'config file' as const}, context: config.contexts[0]}
  it.each([
    ['store flag', {flag: '/f.db', environment: '/e.db'}, main, {path: '/f.db', from: 'flag'}],
    ['store environment', {environment: '/e.db'}, main, {path: '/e.db', from: 'environment'}],
    ['store context', {}, main, {path: '/s/main.db', from: 'context'}],
    ['store default', {}, undefined, {path: '/d.db', from: 'default'}],
  ] as const)('%s', (_row, store, context, expected) => {
    expect(resolveSettings({store: {...store, fallback: '/d.db'}, credential: {byFlag: false}, context}).store).toEqual(expected)
  })

  it.each([
    ['credential flag', {token: 't', byFlag: true}, {from: 'flag', token: 't', adminKey: undefined}],
    ['credential environment', {adminKey: 'k', byFlag: false}, {from: 'environment', token: undefined, adminKey: 'k'}],
    ['credential context', {byFlag: false}, {from: 'context', file: {kind: 'token', path: '/c/main.token'}}],
  ] as const)('%s', (_row, credential, expected) => {
    expect(resolveSettings({store: {fallback: '/d.db'}, credential, context: main}).credential).toEqual(expected)
  })

  it('credential default: a context without a file, or none', () => {
    const bare = {choice: {name: 'bare', from: 'flag' as const}, context: config.contexts[2]}
    expect(resolveSettings({store: {fallback: '/d.db'}, credential: {byFlag: false}, context: bare}).credential).toEqual({from: 'default'})
    expect(resolveSettings({store: {fallback: '/d.db'}, credential: {byFlag: false}}).credential).toEqual({from: 'default'})
  })
})

describe('set-context and delete-context rules', () => {
  it('set-context changes only what is given; one kind of credential file drops the other', () => {
    const {config: changed, created} = setContext(config, 'ops', {tokenFile: '/c/new.token'})
    expect(created).toBe(false)
    expect(changed.contexts[1]).toEqual({name: 'ops', store: '/s/ops.db', tokenFile: '/c/new.token'})
    expect(() => setContext(config, 'new', {})).toThrow(/creating it needs --store PATH/)
  })

  it('deleting the current context clears current-context', () => {
    const {config: changed, wasCurrent} = deleteContext(config, 'main')
    expect(wasCurrent).toBe(true)
    expect(changed.currentContext).toBeUndefined()
    expect(deleteContext(config, 'ops').config.currentContext).toBe('main')
  })
})

describe('the file: written, then read back the same', () => {
  it('round-trips, with paths YAML would misread and a line break quoted', () => {
    const odd: ContextConfig = {currentContext: 'a', contexts: [{name: 'a', store: '/x: #y/- z.db', tokenFile: '/t\nnewline'}, {name: 'b', store: '/0123'}]}
    expect(parseContextConfig(contextConfigText(odd), 'FILE')).toEqual(odd)
  })

  it('an empty file and a comment-only file are no contexts', () => {
    expect(parseContextConfig('', 'FILE')).toEqual({contexts: []})
    expect(parseContextConfig('# nothing\n', 'FILE')).toEqual({contexts: []})
  })

  it.each([
    ['- a\n', /^line 1 of FILE: the file must be a mapping/],
    ['contexts: {a: b}\n', /^line 1 of FILE: 'contexts' must be a list/],
    ['contexts:\n  - store: /a\n', /^line 2 of FILE: a context has no 'name'/],
    ['contexts:\n  - name: a\n', /^line 2 of FILE: context 'a' has no 'store'/],
    ['contexts:\n  - name: a\n    store: /a\n    token-file: /t\n    admin-key-file: /k\n', /^line 2 of FILE: context 'a' has both/],
    ['current-context: [a]\n', /^line 1 of FILE: 'current-context' must be a string/],
    ['contexts:\n  - name: A\n    store: /a\n', /^line 2 of FILE: context name 'A' may hold only/],
    ['x: !!binary aGk=\n', /FILE/],
  ])('%j is refused with its line', (text, message) => {
    expect(() => parseContextConfig(text, 'FILE')).toThrow(message)
  })
})
