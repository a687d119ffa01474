import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'coverage/', 'data/', 'openapi/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (TypeScript files get Node's globals from @types/node).
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
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
    files: ['src/http/**/*.ts', 'src/graphql/**/*.ts', 'src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@prisma/*', '*/generated/*'] }],
    },
  },
)
