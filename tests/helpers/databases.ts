// Runs a suite against both engines the service supports, each with a fresh empty database.
import { createDb, type Db } from '../../src/db/client.ts'
import { freshPgliteDb } from './pglite.ts'
import { createTestDatabase } from './postgres.ts'

export type Engine = 'postgres' | 'pglite'
export const ENGINES: Engine[] = ['postgres', 'pglite']

export interface OpenDatabase {
  db: Db
  url?: string
  /** Closes the handle and, on PostgreSQL, drops the database. */
  dispose(): Promise<void>
}

export async function openFreshDatabase(engine: Engine): Promise<OpenDatabase> {
  if (engine === 'pglite') {
    const db = await freshPgliteDb()
    return { db, dispose: () => db.close() }
  }
  const database = await createTestDatabase()
  const db = await createDb({ databaseUrl: database.url })
  return {
    db,
    url: database.url,
    async dispose() {
      await db.close()
      await database.drop()
    },
  }
}
