import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * The layers import downwards only: core (pure) < store < domain < cli/commands. An import that runs back up is an
 * error, so the layout the README describes cannot drift. Imports are relative, so a pattern names the folder
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
)
