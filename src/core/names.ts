import {UsageError} from '../errors.js'
import {looksSecret} from './redact.js'
import {preview} from './text.js'

/**
 * Account names. A name is what people read in lists and type in flags, so two accounts must never look alike:
 * `alice@example.com` and `Alice@example.com`, one with a Cyrillic `а`, a full-width `ａ`, a zero-width space or a
 * trailing dot were separate accounts that printed the same. The rule, for every name created (accounts create,
 * accounts import, apply):
 * - it is stored in Unicode NFC, so a composed and a decomposed `é` are one name;
 * - it holds no invisible, control or formatting character: controls (Cc), format characters (Cf: zero-width space,
 *   joiners, bidirectional marks, embeddings and isolates, the BOM), line and paragraph separators, default-ignorable
 *   characters (variation selectors, Hangul fillers, the combining grapheme joiner), the blank braille pattern,
 *   private-use, unassigned and lone surrogate code points, and spaces that are not a space to NFKC (the Ogham mark);
 * - other spaces (no-break, ideographic, en, thin, ...) are a space to the key: `a b` with a no-break space is `a b`.
 *   They stay as given, so the seed's `[email protected]` (with its no-break space) works as written;
 * - no space of any kind at its ends and no two in a row; no combining mark that does not follow a letter or digit;
 * - no part of it (the letters and digits between two punctuation marks or spaces) mixes scripts, except the mixes
 *   of real writing (Han with Hiragana, Katakana, Hangul or Bopomofo, and Latin with those): `pаypal` with a Cyrillic
 *   `а` is refused, `иван@example.com` and `山田タロウ` are not;
 * - after an `@`, it does not end with a dot (`example.com.` is `example.com` to DNS);
 * - it does not look like a key or a token (it would be stored and listed in clear);
 * - and no other account has the same key (accountNameKey: NFKC, then case folded), so names differing only in case
 *   or in compatibility forms (full-width letters, ligatures) collide (exit 5).
 * Whole-script look-alikes (a name written entirely in Cyrillic letters that look Latin) are not caught: that needs
 * Unicode's confusables table (UTS #39 skeletons), which accessctl does not carry.
 * Names already stored keep working as they are: they are looked up literally (or by their NFC form) and printed
 * escaped (src/core/text.ts).
 */
export const MAX_ACCOUNT_NAME_LENGTH = 254

const ACCOUNT_ID = /^[0-9a-f]{32}$/
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/

export const EVERYONE_GROUP = 'everyone'

/** Length in characters (code points), so a name of 254 emoji is as valid as 254 letters. */
function characterCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** Characters a name may not hold: nothing in them shows, or they change how the rest shows. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u
/** A space character: the plain one, or another that NFKC (and so the key) reads as one. */
const SPACE = /\p{Zs}/u
/** A combining mark at the start, or after something that is not a letter, a digit or another mark. */
const STRAY_MARK = /(?:^|[^\p{L}\p{N}\p{M}])\p{M}/u
const PART_SEPARATOR = /[^\p{L}\p{M}\p{N}]+/u
const LETTER = /\p{L}/u

/** The scripts a letter is told apart by; a letter of none of them counts as "another script". */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Cherokee', 'Coptic', 'Glagolitic', 'Hebrew', 'Arabic', 'Syriac',
  'Thaana', 'Nko', 'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam',
  'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Canadian_Aboriginal', 'Hangul',
  'Hiragana', 'Katakana', 'Bopomofo', 'Han', 'Yi', 'Lisu', 'Tifinagh', 'Adlam', 'Osage', 'Vai', 'Javanese', 'Balinese',
  'Sundanese', 'Ol_Chiki', 'Runic', 'Ogham', 'Deseret', 'Shavian',
].map((name) => ({name, pattern: new RegExp(`\\p{Script=${name}}`, 'u')}))
const SCRIPT_NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u

/** The mixes of scripts that real writing uses within one word (UTS #39's "highly restrictive" level). */
const ALLOWED_MIXES = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
]

function scriptOf(letter: string): string | undefined {
  if (SCRIPT_NEUTRAL.test(letter)) return undefined
  return SCRIPTS.find((script) => script.pattern.test(letter))?.name ?? 'another script'
}

/** The scripts of a part of a name, when they are a mix that real writing does not use; else undefined. */
function mixedScripts(part: string): string[] | undefined {
  const scripts = new Set<string>()
  for (const character of part) {
    if (!LETTER.test(character)) continue
    const script = scriptOf(character)
    if (script !== undefined) scripts.add(script)
  }

  if (scripts.size < 2) return undefined
  if (ALLOWED_MIXES.some((mix) => [...scripts].every((script) => mix.has(script)))) return undefined
  return [...scripts]
}

const codePoint = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`

/** The form a name is stored and compared in: Unicode NFC. */
export function normalizeAccountName(name: string): string {
  return name.normalize('NFC')
}

/**
 * The key two account names collide on: NFKC (full-width letters, ligatures, the Kelvin sign become what they look
 * like), then case folded (upper then lower case, so `ß` is `ss` and `ς` is `σ`). Stored as accounts.name_key;
 * changing it needs a migration that recomputes the stored keys.
 */
export function accountNameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC')
}

/** The spellings a name given in a flag is looked up by: as given, and in NFC (the form names are stored in). */
export function accountNameSpellings(name: string): string[] {
  const normal = normalizeAccountName(name)
  return normal === name ? [name] : [name, normal]
}

/** What a new name that collides with a stored (or earlier) one is told: the one it looks like, and why they are one. */
export function accountNameClash(name: string, existing: string): string {
  return existing === name
    ? `an account named '${preview(name)}' already exists`
    : `an account named '${preview(existing)}' already exists, and '${preview(name)}' differs from it only in case or in look-alike characters`
}

/** Why `name` cannot be the name of a new account, or undefined when it can: the one rule for commands, imports and apply. */
export function accountNameProblem(given: string): string | undefined {
  const lengthProblem = accountNameLengthProblem(given)
  if (lengthProblem !== undefined) return lengthProblem
  // Nothing of a secret is quoted back, not even in this message.
  if (looksSecret(given)) return 'an account name cannot be a key or a token: it would be stored and listed in clear'
  const name = normalizeAccountName(given)
  const invisible = INVISIBLE.exec(name) ?? [...name].find((character) => SPACE.test(character) && character.normalize('NFKC') !== ' ')
  if (invisible) {
    const character = typeof invisible === 'string' ? invisible : invisible[0]
    return `an account name cannot hold ${codePoint(character)} (an invisible, control, formatting or unusual space character): '${preview(name)}'`
  }

  const spaced = name.normalize('NFKC')
  if (spaced.startsWith(' ') || spaced.endsWith(' ')) return `an account name cannot begin or end with a space: '${preview(name)}'`
  if (spaced.includes('  ')) return `an account name cannot hold two spaces in a row: '${preview(name)}'`
  const mark = STRAY_MARK.exec(name)
  if (mark) return `an account name cannot hold a combining mark (${codePoint(mark[0].slice(-1))}) that does not follow a letter or digit: '${preview(name)}'`
  for (const part of name.split(PART_SEPARATOR)) {
    const scripts = mixedScripts(part)
    if (scripts) {
      return `an account name cannot mix ${scripts.join(' and ')} letters in one part ('${preview(part)}'), as look-alike names do: '${preview(name)}'`
    }
  }

  const at = name.lastIndexOf('@')
  if (at !== -1 && name.endsWith('.')) return `the domain of an account name cannot end with a dot: '${preview(name)}'`
  return undefined
}

/** Empty, or longer than the cap: what no name, new or stored, can be. */
function accountNameLengthProblem(name: string): string | undefined {
  if (name.length === 0) return 'an account name cannot be empty'
  // A name of no more UTF-16 units than the cap has no more characters either: most names are counted no further.
  if (name.length <= MAX_ACCOUNT_NAME_LENGTH) return undefined
  const length = characterCount(name)
  return length > MAX_ACCOUNT_NAME_LENGTH
    ? `an account name has at most ${MAX_ACCOUNT_NAME_LENGTH} characters; this one has ${length}`
    : undefined
}

/** A new account's name, checked (exit 2 when it breaks the rule) and in NFC, the form it is stored in. */
export function validateAccountName(name: string): string {
  const problem = accountNameProblem(name)
  if (problem !== undefined) throw new UsageError(problem)
  return normalizeAccountName(name)
}

/** A name to look an existing account up by: any name that could be stored, even one a new account could not take. */
export function validateAccountNameLookup(name: string): string {
  const problem = accountNameLengthProblem(name)
  if (problem !== undefined) throw new UsageError(problem)
  return name
}

export function isAccountId(text: string): boolean {
  return ACCOUNT_ID.test(text)
}

export function validateAccountId(id: string): string {
  if (!isAccountId(id)) {
    throw new UsageError(`'${preview(id)}' is not an account id: an id is 32 lowercase hexadecimal characters`)
  }

  return id
}

/** The name of a new group: a valid group name that does not look like a key (it would be stored and listed in clear). */
export function validateNewGroupName(name: string): string {
  if (looksSecret(name)) throw new UsageError('a group name cannot be a key or a token: it would be stored and listed in clear')
  return validateGroupName(name)
}

export function validateGroupName(name: string): string {
  if (!GROUP_NAME.test(name)) {
    throw new UsageError(
      `'${preview(name)}' is not a valid group name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`,
    )
  }

  return name
}

// The domain quotes names back with it, from here.
export {preview}
