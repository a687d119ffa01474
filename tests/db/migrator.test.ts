import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client.ts'
import { MIGRATIONS_DIR, MigrationError, migrate, migrationsApplied, readMigrations } from '../../src/db/migrator.ts'
import { ENGINES, openFreshDatabase, type OpenDatabase } from '../helpers/databases.ts'
import { closeSharedPglite } from '../helpers/pglite.ts'

const INIT = '20261128180000_init'
/** Every migration on disk, in the order they must apply (others are added as the schema grows). */
const ALL = readMigrations().map((m) => m.name)

interface MigrationRow extends Record<string, unknown> {
  id: string
  checksum: string
  migration_name: string
  finished_at: Date | null
  applied_steps_count: number
  logs: string | null
  rolled_back_at: Date | null
}

let scratch: string[] = []
/** A writable copy of prisma/migrations, to edit or extend without touching the real files. */
function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fe-migrations-'))
  cpSync(MIGRATIONS_DIR, dir, { recursive: true })
  scratch.push(dir)
  return dir
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name))
  writeFileSync(path.join(dir, name, 'migration.sql'), sql)
}

afterEach(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
  scratch = []
})
afterAll(closeSharedPglite)

describe.each(ENGINES)('migrator on %s', (engine) => {
  let open: OpenDatabase
  beforeEach(async () => { open = await openFreshDatabase(engine) })
  afterEach(async () => { await open.dispose() })

  it('applies every migration once, in order, and records each as Prisma Migrate does', async () => {
    expect(ALL[0]).toBe(INIT)
    expect(await migrationsApplied(open.db)).toBe(false)
    expect(await migrate(open.db)).toEqual(ALL)
    const rows = await open.db.query<MigrationRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')
    expect(rows.map((row) => row.migration_name)).toEqual(ALL)
    for (const row of rows) {
      const fileChecksum = createHash('sha256').update(readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'))).digest('hex')
      expect(row).toMatchObject({ checksum: fileChecksum, applied_steps_count: 1, logs: null, rolled_back_at: null })
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(row.finished_at).toBeInstanceOf(Date)
    }
    expect(await migrationsApplied(open.db)).toBe(true)
  })

  it('is idempotent: a second run applies nothing', async () => {
    await migrate(open.db)
    expect(await migrate(open.db)).toEqual([])
    expect(await open.db.query('SELECT 1 FROM "_prisma_migrations"')).toHaveLength(ALL.length)
  })

  it('applies only the migrations added since the last run', async () => {
    const dir = copyOfMigrations()
    await migrate(open.db, dir)
    addMigration(dir, '29991201000000_add_gpu_form_factor', 'ALTER TABLE "gpus" ADD COLUMN "form_factor" TEXT;')
    expect(await migrationsApplied(open.db, dir)).toBe(false)
    expect(await migrate(open.db, dir)).toEqual(['29991201000000_add_gpu_form_factor'])
    expect(await open.db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'gpus' AND column_name = 'form_factor'`)).toHaveLength(1)
  })

  it('refuses to start when an applied migration file was changed', async () => {
    const dir = copyOfMigrations()
    await migrate(open.db, dir)
    const file = path.join(dir, INIT, 'migration.sql')
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited after deploy\n`)
    await expect(migrate(open.db, dir)).rejects.toThrow(MigrationError)
    await expect(migrate(open.db, dir)).rejects.toThrow(`Migration ${INIT} was modified after it was applied`)
    expect(await migrationsApplied(open.db, dir)).toBe(false)
  })

  it('rolls a failing migration back entirely and records nothing for it', async () => {
    const dir = copyOfMigrations()
    addMigration(dir, '29991201000000_broken', 'CREATE TABLE "half_done" ("id" TEXT);\nSELECT * FROM "no_such_table";')
    await expect(migrate(open.db, dir)).rejects.toThrow(/Migration 29991201000000_broken failed and was rolled back: .*no_such_table/)
    expect(await open.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`)).toHaveLength(0)
    const names = await open.db.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name')
    expect(names.map((row) => row.migration_name)).toEqual(ALL)
  })
})

describe('migrator on postgres with two replicas starting at once', () => {
  let open: OpenDatabase
  beforeEach(async () => { open = await openFreshDatabase('postgres') })
  afterEach(async () => { await open.dispose() })

  it('migrates once: the advisory lock makes the second wait and find nothing to do', async () => {
    const replicas = await Promise.all([createDb({ databaseUrl: open.url }), createDb({ databaseUrl: open.url })])
    try {
      const applied = await Promise.all(replicas.map((db) => migrate(db)))
      expect(applied.flat()).toEqual(ALL)
      expect(await open.db.query('SELECT 1 FROM "_prisma_migrations"')).toHaveLength(ALL.length)
    } finally {
      await Promise.all(replicas.map((db) => db.close()))
    }
  })
})
