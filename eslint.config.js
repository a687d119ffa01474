import js from '@eslint/js'
import boundaries from 'eslint-plugin-boundaries'
import tseslint from 'typescript-eslint'

/** Each layer and the layers it may import from (its own is always allowed). */
const LAYERS = [
  ['app', ['rest', 'graphql', 'transport', 'services', 'data', 'engine', 'contract']],
  ['rest', ['transport', 'services', 'data', 'engine', 'contract']],
  ['graphql', ['transport', 'services', 'data', 'engine', 'contract']],
  ['transport', ['services', 'data', 'contract']],
  ['services', ['data', 'engine', 'contract']],
  ['data', ['contract']],
  ['engine', ['contract']],
  ['contract', []],
]

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'coverage/', 'data/', 'openapi/', 'dist/', 'web/dist/', 'web/src/api/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (TypeScript files get Node's globals from @types/node).
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is pure: no framework, database or transport imports.
    files: ['src/estimation/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: ['fastify*', '@fastify/*', 'mercurius*', 'graphql*', '@prisma/*', 'prisma*', 'pg', '@electric-sql/*', '*/generated/*', '*/db/*', '*/http/*', '*/graphql/*'],
      }],
    },
  },
  {
    // Only the data layer touches Prisma.
    files: ['src/http/**/*.ts', 'src/graphql/**/*.ts', 'src/transport/**/*.ts', 'src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@prisma/*', '*/generated/*'] }],
    },
  },
  {
    // The layers, top to bottom: entry files (server, app) → app plugins → doors (REST, GraphQL) → what both doors share →
    // services → data / engine → contract. A module imports only from layers below its own, and
    // neither door imports the other. tests/lint/boundaries.test.ts proves the rule bites.
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['src/**/*.ts'],
      'boundaries/ignore': ['src/generated/**'],
      'boundaries/elements': [
        { type: 'app', pattern: ['src/plugins/**', 'src/observability/**'], partialMatch: false },
        { type: 'rest', pattern: 'src/http/**', partialMatch: false },
        { type: 'graphql', pattern: 'src/graphql/**', partialMatch: false },
        { type: 'transport', pattern: 'src/transport/**', partialMatch: false },
        { type: 'services', pattern: 'src/services/**', partialMatch: false },
        { type: 'data', pattern: 'src/db/**', partialMatch: false },
        { type: 'engine', pattern: 'src/estimation/**', partialMatch: false },
        { type: 'contract', pattern: 'src/contract/**', partialMatch: false },
      ],
      // The entry files above every folder: the server, the OpenAPI generator, the app they build, the
      // CLI, and the operator commands (migrate, seed, create a key) that ship compiled beside the server.
      'boundaries/files': [{ category: 'entry', pattern: ['src/server.ts', 'src/openapi.ts', 'src/app.ts', 'src/cli/**', 'src/ops/**'] }],
    },
    rules: {
      'boundaries/dependencies': ['error', {
        default: 'disallow',
        policies: [
          ...LAYERS.map(([from, below]) => ({
            from: { element: { type: from } },
            allow: { to: { element: { types: { anyOf: [from, ...below] } } } },
          })),
          { disallow: { to: { file: { categories: 'entry' } } } },
          // The entry files are the top: they may import anything, each other included (server → app).
          { from: { file: { categories: 'entry' } }, allow: [{ to: { element: { types: '*' } } }, { to: { file: { categories: 'entry' } } }] },
        ],
      }],
    },
  },
)
