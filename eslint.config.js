import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * The layers import downwards only: core (pure) < store < domain < cli/commands. An import that runs back up is an
 * error, so the layout docs/development.md describes cannot drift. Imports are relative, so a pattern names the folder
 * after any number of `../`.
 */
const upwards = (folders, why) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})/`,
  message: why,
})

const LAYER_RULES = [
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [upwards(['domain', 'store', 'cli', 'commands', 'serve', 'sea'], 'core is pure: it imports nothing but core (and errors.ts).')]}],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [upwards(['domain', 'cli', 'commands', 'serve', 'sea'], 'store owns the SQLite file and knows no rules: it imports core only.')]}],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [upwards(['cli', 'commands', 'serve', 'sea'], 'domain is called by the commands and serve, never the other way round.')]}],
    },
  },
]

/**
 * A command prints human output with `say` and a document (JSON, YAML, a token, a key) with
 * `printDocument(Document...)`, whose types keep the two apart. So it makes no JSON or YAML text of its own (handed to
 * `say`, a document is escaped into one line that no parser reads: `tokens jwks > jwks.json` did) and writes nothing
 * to stdout itself.
 */
const DOCUMENT_TEXT = 'Build a Document (src/cli/output.ts: Document.json, Document.yaml(yamlText(...)), Document.credential) and print it with printDocument.'
const OUTPUT_RULES = {
  files: ['src/commands/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {paths: [{name: 'yaml', message: DOCUMENT_TEXT}, {name: 'js-yaml', message: DOCUMENT_TEXT}]}],
    'no-restricted-syntax': [
      'error',
      {selector: "MemberExpression[object.name='JSON'][property.name='stringify']", message: DOCUMENT_TEXT},
      {selector: "MemberExpression[object.object.name='process'][object.property.name='stdout'][property.name='write']", message: DOCUMENT_TEXT},
    ],
  },
}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', performance: 'readonly', setTimeout: 'readonly'}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...LAYER_RULES,
  OUTPUT_RULES,
)
