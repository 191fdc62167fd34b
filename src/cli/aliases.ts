/**
 * Other spellings of accessctl's commands, resolved before oclif (or the executable's fast path) looks the words up,
 * so every entry point reads them the same way and no command file carries them. They are not commands of their own:
 * help listings, the manifest and shell completion show only the canonical names.
 *
 * - The API-node tool of the seed (shared/seeds/003): `admin-key-create`, `admin-keys-list`, `admin-key-delete KEY`.
 * - Dyff's CLI (shared/seeds/000) keeps roles at the top level: `roles list`, `roles get ROLE -i ID`.
 * - Every topic answers to its singular and its plural (`account get`, `services list`, `infrastructures list`),
 *   and so do subtopics (`service version add`, `tokens key list`).
 * - `help WORDS...` is `WORDS... --help`, as with kubectl and gh.
 */

/** First words of the seeds' tools (`./bin/apinode-admin`, Dyff's CLI), and the accessctl words they stand for. */
export const SEED_COMMAND_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'admin-key-create': ['admin-key', 'create'],
  'admin-keys-list': ['admin-key', 'list'],
  'admin-key-delete': ['admin-key', 'delete'],
  roles: ['tokens', 'roles'],
  role: ['tokens', 'roles'],
}

/** Other spellings of each topic, keyed by the topic's name in accessctl. */
export const TOPIC_ALIASES: Readonly<Record<string, readonly string[]>> = {
  accounts: ['account'],
  groups: ['group'],
  tokens: ['token'],
  'admin-key': ['admin-keys'],
  service: ['services'],
  infra: ['infras', 'infrastructure', 'infrastructures'],
  deployment: ['deployments'],
}

/** Other spellings of subtopics, keyed by `topic:subtopic` as oclif names them. */
export const SUBTOPIC_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'service:permissions': ['permission'],
  'service:versions': ['version'],
  'service:keys': ['key'],
  'infra:permissions': ['permission'],
  'deployment:keys': ['key'],
  'tokens:keys': ['key'],
  'tokens:roles': ['role'],
}

function reverse(table: Readonly<Record<string, readonly string[]>>): Map<string, string> {
  // Each alias stands for one name: a clash would make a spelling mean two things.
  return new Map(Object.entries(table).flatMap(([name, aliases]) => aliases.map((alias) => [alias, name] as const)))
}

const topicOf = reverse(TOPIC_ALIASES)
/** `topic:alias` to the subtopic's name (`key` is a subtopic alias in several topics). */
const subtopicOf = new Map(
  Object.entries(SUBTOPIC_ALIASES).flatMap(([id, aliases]) => {
    const [topic, subtopic] = id.split(':')
    return aliases.map((alias) => [`${topic}:${alias}`, subtopic] as const)
  }),
)

/**
 * argv with the command words spelled as accessctl names them. Only the first two words can be a topic or a
 * subtopic, so arguments and flag values further on (a service named `versions`) are never touched.
 */
export function canonicalArgv(typed: readonly string[]): string[] {
  const argv = withLeadingGlobalFlagsMoved(typed)
  const [first, ...rest] = argv
  if (first === undefined) return []
  if (first === 'help') return helpArgv(rest)
  // Own keys only: `constructor` or `__proto__` as a first word must stay a word, not an Object.prototype member.
  const seed = Object.hasOwn(SEED_COMMAND_ALIASES, first) ? SEED_COMMAND_ALIASES[first] : undefined
  if (seed) return [...seed, ...rest]
  const topic = topicOf.get(first) ?? first
  const [second, ...more] = rest
  if (second === undefined) return [topic]
  const subtopic = subtopicOf.get(`${topic}:${second}`)
  return subtopic ? [topic, subtopic, ...more] : [topic, ...rest]
}

/** The global flags that take a value, as kubectl's `--context` does: they may come before the command words. */
const GLOBAL_VALUE_FLAGS = new Set(['--context', '--store', '--token', '--admin-key'])

/**
 * `accessctl --context prod service list` as `accessctl service list --context prod`: oclif reads the words before
 * the first flag as the command, so global flags typed first (kubectl's habit) are moved to just after the leading
 * words, before any `--`. Only whole global flags with their value move; anything else leaves argv as it is.
 */
export function withLeadingGlobalFlagsMoved(argv: readonly string[]): string[] {
  const moved: string[] = []
  let index = 0
  while (index < argv.length) {
    const word = argv[index]
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word
    if (!GLOBAL_VALUE_FLAGS.has(name)) break
    if (word.includes('=')) {
      moved.push(word)
      index += 1
    } else {
      if (index + 1 >= argv.length) return [...argv]
      moved.push(word, argv[index + 1])
      index += 2
    }
  }

  if (moved.length === 0) return [...argv]
  const rest = argv.slice(index)
  const firstFlag = rest.findIndex((word) => word.startsWith('-'))
  const at = firstFlag === -1 ? rest.length : firstFlag
  return [...rest.slice(0, at), ...moved, ...rest.slice(at)]
}

/** `help tokens create` is `tokens create --help`; the help flag goes before a `--`, after which it would be an argument. */
function helpArgv(words: string[]): string[] {
  const canonical = canonicalArgv(words)
  const end = canonical.indexOf('--')
  return end === -1 ? [...canonical, '--help'] : [...canonical.slice(0, end), '--help', ...canonical.slice(end)]
}

/** Every alias spelling, as argv words, with the canonical words it stands for (for tests and suggestions). */
export function aliasTable(): Array<{alias: string[]; canonical: string[]}> {
  return [
    ...Object.entries(SEED_COMMAND_ALIASES).map(([alias, canonical]) => ({alias: [alias], canonical: [...canonical]})),
    ...Object.entries(TOPIC_ALIASES).flatMap(([topic, aliases]) => aliases.map((alias) => ({alias: [alias], canonical: [topic]}))),
    ...Object.entries(SUBTOPIC_ALIASES).flatMap(([id, aliases]) => {
      const [topic, subtopic] = id.split(':')
      const topicSpellings = [topic, ...(TOPIC_ALIASES[topic] ?? [])]
      return aliases.flatMap((alias) => topicSpellings.map((spelling) => ({alias: [spelling, alias], canonical: [topic, subtopic]})))
    }),
  ]
}
