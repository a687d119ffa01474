// Prisma CLI configuration. The service itself never reads this file: it builds its client with a
// driver adapter (PGlite or pg) and applies migrations with its own migrator (src/db/migrator.ts).
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
})
