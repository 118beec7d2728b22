import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', TextDecoder: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', crypto: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The account pages' scripts run as they are in the browser (no build step): browser globals, not Node's.
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly', document: 'readonly', location: 'readonly', history: 'readonly', fetch: 'readonly', URL: 'readonly',
        URLSearchParams: 'readonly', addEventListener: 'readonly', getComputedStyle: 'readonly',
        process: 'off', Buffer: 'off',
      },
    },
  },
  {
    // The inner layers never see HTTP or SQL: dependencies point inward.
    files: ['src/auth/**', 'src/domain/**', 'src/crypto/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['fastify', '@fastify/*', 'kysely', 'pg', 'better-sqlite3'] }],
    },
  },
)
