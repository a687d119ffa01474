// The migrated database must be exactly what prisma/schema.prisma describes: a hand-written
// migration that drifts from the schema would make Prisma's queries fail at run time.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrator.ts'
import { ENGINES, openFreshDatabase, type OpenDatabase } from '../helpers/databases.ts'
import { closeSharedPglite } from '../helpers/pglite.ts'
import { readPrismaSchema, type ExpectedTable } from '../helpers/prisma-schema.ts'

const SCHEMA = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url))
const expected = readPrismaSchema(SCHEMA)

async function actualTable(db: Db, table: string): Promise<Omit<ExpectedTable, 'model'>> {
  const columns = await db.query<Record<string, unknown>>(
    `SELECT column_name AS name, data_type AS "dataType", udt_name AS "udtName", is_nullable = 'YES' AS nullable,
            column_default AS default, datetime_precision AS "datetimePrecision"
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  )
  const indexes = await db.query<Record<string, unknown>>(
    `SELECT i.relname::text AS name, array_agg(a.attname::text ORDER BY k.ord) AS columns,
            ix.indisunique AS unique, ix.indisprimary AS primary
       FROM pg_index ix
       JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE n.nspname = 'public' AND t.relname = $1
      GROUP BY i.relname, ix.indisunique, ix.indisprimary`,
    [table],
  )
  const foreignKeys = await db.query<Record<string, unknown>>(
    `SELECT c.conname::text AS name,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
            r.relname::text AS "referencedTable",
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS "referencedColumns",
            CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS "onDelete",
            CASE c.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS "onUpdate"
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
      WHERE c.contype = 'f' AND t.relname = $1`,
    [table],
  )
  return { table, columns: columns as never, indexes: indexes as never, foreignKeys: foreignKeys as never }
}

afterAll(closeSharedPglite)

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name))

it('reads every model of schema.prisma', () => {
  expect(expected.map((t) => t.table)).toEqual(['models', 'gpus', 'price_points', 'scenarios', 'api_keys', 'catalog_state'])
  // Guards the reader itself: a regex slip would otherwise let both sides agree on nothing.
  const prices = expected.find((t) => t.table === 'price_points')!
  expect(prices.columns.find((c) => c.name === 'effective_to')).toEqual({
    name: 'effective_to', dataType: 'timestamp with time zone', udtName: 'timestamptz', nullable: true, default: null, datetimePrecision: 3,
  })
  expect(prices.foreignKeys).toEqual([{
    name: 'price_points_gpu_id_fkey', columns: ['gpu_id'], referencedTable: 'gpus', referencedColumns: ['id'], onDelete: 'RESTRICT', onUpdate: 'CASCADE',
  }])
  expect(prices.indexes.map((i) => i.name)).toContain('price_points_gpu_id_provider_region_pricing_model_instance__key')
})

describe.each(ENGINES)('the migrated %s database matches schema.prisma', (engine) => {
  let open: OpenDatabase
  beforeAll(async () => {
    open = await openFreshDatabase(engine)
    await migrate(open.db)
  })
  afterAll(async () => { await open.dispose() })

  it('has exactly the models\' tables (and Prisma\'s migrations table)', async () => {
    const tables = await open.db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
    expect(tables.map((t) => t.name)).toEqual(['_prisma_migrations', ...expected.map((t) => t.table)].sort())
  })

  it.each(expected.map((t) => [t.table, t] as const))('%s: columns, types, nullability, defaults, indexes, foreign keys', async (_name, table) => {
    const actual = await actualTable(open.db, table.table)
    expect(actual.columns).toEqual(table.columns)
    expect(byName(actual.indexes)).toEqual(byName(table.indexes))
    expect(byName(actual.foreignKeys)).toEqual(byName(table.foreignKeys))
  })
})
