// One in-memory PGlite per test file, loaded from the template data directory the global setup
// made (initdb costs seconds and hundreds of MB); files reset the schema between tests instead.
import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { inject } from 'vitest'
import { createDb, type Db } from '../../src/db/client.ts'

let shared: Promise<PGlite> | null = null

export function sharedPglite(): Promise<PGlite> {
  shared ??= PGlite.create('memory://', { loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]) })
  return shared
}

/** A Db over the file's shared PGlite, emptied first (every table and migration record dropped). */
export async function freshPgliteDb(): Promise<Db> {
  const pglite = await sharedPglite()
  await pglite.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;')
  return createDb({ pglite })
}

export async function closeSharedPglite(): Promise<void> {
  if (shared) await (await shared).close()
  shared = null
}
