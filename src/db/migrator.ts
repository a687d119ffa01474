// Applies prisma/migrations/*/migration.sql in name order and records each one in
// `_prisma_migrations` exactly as Prisma Migrate does, so `prisma migrate deploy` and this
// migrator agree on what is applied. Runs under Prisma's own advisory lock key, so two replicas
// (or a replica and the Prisma CLI) never migrate at once.
import { createHash, randomUUID } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db, SqlSession } from './client.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url))

/** The lock key prisma-engines uses for `migrate deploy` on PostgreSQL. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369

/** Same DDL as prisma-engines' schema engine creates on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`

export interface MigrationFile {
  name: string
  sql: string
  checksum: string
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError'
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

interface AppliedRow extends Record<string, unknown> {
  migration_name: string
  checksum: string
  finished_at: Date | null
  rolled_back_at: Date | null
}

async function appliedMigrations(session: SqlSession): Promise<Map<string, AppliedRow>> {
  const exists = await session.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  )
  if (!exists[0]?.present) return new Map()
  const rows = await session.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  )
  return new Map(rows.map((row) => [row.migration_name, row]))
}

/** Names of the migrations on disk that are not applied; throws when an applied one no longer matches its file. */
function pending(files: MigrationFile[], applied: Map<string, AppliedRow>): MigrationFile[] {
  for (const file of files) {
    const row = applied.get(file.name)
    if (!row) continue
    if (!row.finished_at) {
      throw new MigrationError(`Migration ${file.name} failed earlier and is marked unfinished in _prisma_migrations; resolve it (prisma migrate resolve) before starting`)
    }
    if (row.checksum !== file.checksum) {
      throw new MigrationError(`Migration ${file.name} was modified after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk); restore the file or add a new migration`)
    }
  }
  return files.filter((file) => !applied.has(file.name))
}

/** Applies every pending migration, each in its own transaction. Returns the names applied now. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readMigrations(dir)
  return db.withAdvisoryLock(PRISMA_MIGRATE_LOCK_KEY, async (session) => {
    await session.exec(CREATE_MIGRATIONS_TABLE)
    // Read the state only once the lock is held: a replica that waited sees what the winner applied.
    const todo = pending(files, await appliedMigrations(session))
    for (const file of todo) {
      await session.exec('BEGIN')
      try {
        await session.exec(file.sql)
        await session.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), file.checksum, file.name],
        )
        await session.exec('COMMIT')
      } catch (err) {
        await session.exec('ROLLBACK')
        throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${(err as Error).message}`)
      }
    }
    return todo.map((file) => file.name)
  })
}

/** True when every migration on disk is applied with a matching checksum (readiness). */
export async function migrationsApplied(db: Db, dir = MIGRATIONS_DIR): Promise<boolean> {
  try {
    return pending(readMigrations(dir), await appliedMigrations(db)).length === 0
  } catch {
    return false
  }
}
