import {constants} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {isOwnRegularFile, isPrivateFolder, isSafeAncestor, isSafePath, type Ownership} from '../../src/sea/private-folder.js'

const USER = 1000
const OTHER = 1001
const folder = (permissions: number, uid: number): Ownership => ({mode: constants.S_IFDIR | permissions, uid})
const file = (permissions: number, uid: number): Ownership => ({mode: constants.S_IFREG | permissions, uid})
const link = (uid: number): Ownership => ({mode: constants.S_IFLNK | 0o777, uid})

describe('isPrivateFolder: the folder the addon is kept in', () => {
  it('is a folder of the user that nobody else may write', () => {
    expect(isPrivateFolder(folder(0o700, USER), USER)).toBe(true)
    expect(isPrivateFolder(folder(0o755, USER), USER)).toBe(true)
  })

  it('is refused when group or others may write it, even sticky', () => {
    expect(isPrivateFolder(folder(0o770, USER), USER)).toBe(false)
    expect(isPrivateFolder(folder(0o702, USER), USER)).toBe(false)
    expect(isPrivateFolder(folder(0o1777, USER), USER)).toBe(false)
  })

  it("is refused when it is another user's or root's (root running with another user's HOME)", () => {
    expect(isPrivateFolder(folder(0o700, OTHER), USER)).toBe(false)
    expect(isPrivateFolder(folder(0o700, 0), USER)).toBe(false)
    expect(isPrivateFolder(folder(0o700, OTHER), 0)).toBe(false)
    expect(isPrivateFolder(folder(0o700, 0), 0)).toBe(true)
  })

  it('is refused when it is a link (lstat) or a file', () => {
    expect(isPrivateFolder(link(USER), USER)).toBe(false)
    expect(isPrivateFolder(file(0o700, USER), USER)).toBe(false)
  })
})

describe('isSafeAncestor: a folder above it', () => {
  it("is root's or the user's, not writable by group or others", () => {
    expect(isSafeAncestor(folder(0o755, 0), USER)).toBe(true)
    expect(isSafeAncestor(folder(0o750, USER), USER)).toBe(true)
    expect(isSafeAncestor(folder(0o755, OTHER), USER)).toBe(false)
    expect(isSafeAncestor(folder(0o775, USER), USER)).toBe(false)
    expect(isSafeAncestor(folder(0o777, 0), USER)).toBe(false)
  })

  it('may be writable by others when sticky (/tmp), as long as it is root\'s or the user\'s', () => {
    expect(isSafeAncestor(folder(0o1777, 0), USER)).toBe(true)
    expect(isSafeAncestor(folder(0o1777, USER), USER)).toBe(true)
    expect(isSafeAncestor(folder(0o1777, OTHER), USER)).toBe(false)
  })

  it('is not a link or a file', () => {
    expect(isSafeAncestor(link(0), USER)).toBe(false)
    expect(isSafeAncestor(file(0o755, 0), USER)).toBe(false)
  })
})

describe('isSafePath: the folder and every folder above it, up to /', () => {
  const tree = (entries: Record<string, Ownership>) => (path: string): Ownership => {
    const found = entries[path]
    if (!found) throw new Error(`not in the tree: ${path}`)
    return found
  }
  const home = {'/': folder(0o755, 0), '/home': folder(0o755, 0), '/home/alice': folder(0o750, USER)}

  it('accepts a home folder below root-owned folders', () => {
    expect(isSafePath('/home/alice', USER, tree(home))).toBe(true)
    expect(isSafePath('/', USER, tree(home))).toBe(true)
  })

  it('accepts a folder of the user inside sticky /tmp, and refuses one made there by another user', () => {
    const tmp = {'/': folder(0o755, 0), '/tmp': folder(0o1777, 0)}
    expect(isSafePath('/tmp/alice-cache', USER, tree({...tmp, '/tmp/alice-cache': folder(0o700, USER)}))).toBe(true)
    expect(isSafePath('/tmp/alice-cache', USER, tree({...tmp, '/tmp/alice-cache': folder(0o755, OTHER)}))).toBe(false)
  })

  it('refuses a path when any folder above may be written by others (they could swap what is below)', () => {
    expect(isSafePath('/home/alice', USER, tree({...home, '/home': folder(0o777, 0)}))).toBe(false)
    expect(isSafePath('/home/alice', USER, tree({...home, '/': folder(0o775, 0)}))).toBe(false)
  })

  it("refuses another user's home for root (sudo -E keeps HOME)", () => {
    expect(isSafePath('/home/alice', 0, tree(home))).toBe(false)
  })
})

describe('isOwnRegularFile: a file that may be hashed, then loaded', () => {
  it('is a regular file of the user that nobody else may write', () => {
    expect(isOwnRegularFile(file(0o700, USER), USER)).toBe(true)
    expect(isOwnRegularFile(file(0o644, USER), USER)).toBe(true)
    expect(isOwnRegularFile(file(0o666, USER), USER)).toBe(false)
    expect(isOwnRegularFile(file(0o700, OTHER), USER)).toBe(false)
    expect(isOwnRegularFile(link(USER), USER)).toBe(false)
    expect(isOwnRegularFile(folder(0o700, USER), USER)).toBe(false)
    expect(isOwnRegularFile({mode: constants.S_IFIFO | 0o600, uid: USER}, USER)).toBe(false)
  })
})
