import {constants} from 'node:fs'
import {dirname} from 'node:path'

/**
 * The rules that decide whether the executable may keep its SQLite addon in a folder, i.e. whether anyone but the
 * running user (and root, who can do anything anyway) could put a file of their choosing where it will be loaded.
 *
 * - The cache folder itself: a real folder (not a symbolic link) owned by the user, that nobody else may write.
 * - Every folder above it, up to /: owned by root or the user, and not writable by group or others, unless sticky.
 *   Whoever may write a folder may rename or replace what it holds, folders included, so one writable ancestor is
 *   enough to swap the whole path. In a sticky folder (/tmp, 1777) others may add entries but may rename or remove
 *   only their own, so what lies below it cannot be swapped as long as it is root's or the user's, which the rule
 *   asks of every folder of the path anyway: `/tmp/alice-cache` is fine when alice made it, refused when bob did.
 *   The owner of a folder may always chmod it, hence root or the user and nobody else.
 * ACLs are not read: a folder that only an ACL opens to others passes.
 */

/** What the rules read of a file's status (fs.Stats has both). */
export interface Ownership {
  mode: number
  uid: number
}

const WRITABLE_BY_GROUP_OR_OTHERS = 0o022
const STICKY = 0o1000

function isOfType(mode: number, type: number): boolean {
  return (mode & constants.S_IFMT) === type
}

/** The folder the addon is kept in: a real folder (lstat: not a link) of the user's that nobody else may write. */
export function isPrivateFolder(stat: Ownership, uid: number): boolean {
  return isOfType(stat.mode, constants.S_IFDIR) && stat.uid === uid && (stat.mode & WRITABLE_BY_GROUP_OR_OTHERS) === 0
}

/** A folder above the cache folder: nobody else may rename or replace what it holds. */
export function isSafeAncestor(stat: Ownership, uid: number): boolean {
  const ownedByRootOrUser = stat.uid === 0 || stat.uid === uid
  const othersCannotSwapEntries = (stat.mode & WRITABLE_BY_GROUP_OR_OTHERS) === 0 || (stat.mode & STICKY) !== 0
  return isOfType(stat.mode, constants.S_IFDIR) && ownedByRootOrUser && othersCannotSwapEntries
}

/**
 * True when `folder` and every folder above it pass `isSafeAncestor`. `folder` must be absolute and free of
 * symbolic links (a realpath): a link anywhere in it would make the folders checked not the ones used.
 */
export function isSafePath(folder: string, uid: number, lstat: (path: string) => Ownership): boolean {
  for (let current = folder; ; current = dirname(current)) {
    if (!isSafeAncestor(lstat(current), uid)) return false
    if (dirname(current) === current) return true
  }
}

/**
 * A file that may be hashed and then loaded: a regular file of the user's that nobody else may write, so that its
 * content stays what was hashed.
 */
export function isOwnRegularFile(stat: Ownership, uid: number): boolean {
  return isOfType(stat.mode, constants.S_IFREG) && stat.uid === uid && (stat.mode & WRITABLE_BY_GROUP_OR_OTHERS) === 0
}
