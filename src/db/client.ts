// The one database handle of a process: a Prisma client on a driver adapter (embedded PGlite by
// default, PostgreSQL when DATABASE_URL is set) plus the raw access Prisma cannot give:
// multi-statement SQL for migrations and session-bound advisory locks.
//
// Each kind's driver is imported when that kind is opened: a process uses one, and the other's
// modules cost a start for nothing (pg and its adapter ~0.2 s on the dev machine). Prisma's client
// loads while the database opens (PGlite compiles its WebAssembly on other threads, pg waits for
// the server), not before.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import type { ClientBase, Pool } from 'pg'
import type { PrismaClient } from '../generated/prisma/client.ts'

const prismaClient = async () => (await import('../generated/prisma/client.ts')).PrismaClient

/** Raw SQL on one connection (session): what migrations and advisory locks need. */
export interface SqlSession {
  /** Runs one or more statements with the simple protocol (no parameters). */
  exec(sql: string): Promise<void>
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
}

export interface Db extends SqlSession {
  readonly kind: 'pglite' | 'postgres'
  readonly prisma: PrismaClient
  /** Holds a session-level pg_advisory_lock(key) while `fn` runs on that same session. */
  withAdvisoryLock<T>(key: number, fn: (session: SqlSession) => Promise<T>): Promise<T>
  /** Connections of the PostgreSQL pool (metrics); null on PGlite, which has one in-process connection. */
  poolStats(): { total: number; idle: number; waiting: number } | null
  close(): Promise<void>
}

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError'
}

export interface DbOptions {
  databaseUrl?: string | undefined
  /** Embedded data directory (used when there is no databaseUrl); `memory://` for a throwaway one. */
  pgliteDir?: string
  /** An already-open PGlite to reuse (tests share one per file: opening one costs seconds). Not closed by close(). */
  pglite?: PGlite
  connectTimeoutMs?: number
  /** A query that takes longer fails (the connection is dropped) instead of holding a request. */
  queryTimeoutMs?: number
  poolMax?: number
}

export async function createDb(options: DbOptions): Promise<Db> {
  return options.databaseUrl
    ? createPostgresDb(options.databaseUrl, options)
    : createPgliteDb(options)
}

async function createPgliteDb(options: DbOptions): Promise<Db> {
  const loading = Promise.all([prismaClient(), import('pglite-prisma-adapter')])
  loading.catch(() => undefined) // awaited below; a failed open must not leave it unhandled
  let pglite = options.pglite
  if (!pglite) {
    const dir = options.pgliteDir ?? 'memory://'
    if (!dir.startsWith('memory://')) mkdirSync(path.dirname(path.resolve(dir)), { recursive: true })
    const { PGlite } = await import('@electric-sql/pglite')
    pglite = await PGlite.create(dir)
  }
  const [PrismaClient, { PrismaPGlite }] = await loading
  const owned = !options.pglite
  const db = pglite
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) })
  const session: SqlSession = {
    exec: async (sql) => { await db.exec(sql) },
    query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
      (await db.query<T>(sql, params)).rows,
  }
  // PGlite has one connection: every caller shares the session, so an in-process queue is what
  // keeps two lock holders apart (pg_advisory_lock is re-entrant within one session).
  let tail: Promise<unknown> = Promise.resolve()
  return {
    kind: 'pglite',
    prisma,
    ...session,
    withAdvisoryLock(key, fn) {
      const run = tail.then(async () => {
        await db.query('SELECT pg_advisory_lock($1)', [key])
        try {
          return await fn(session)
        } finally {
          await db.query('SELECT pg_advisory_unlock($1)', [key])
        }
      })
      tail = run.catch(() => undefined)
      return run
    },
    poolStats: () => null,
    async close() {
      await prisma.$disconnect()
      if (owned) await db.close()
    },
  }
}

async function createPostgresDb(url: string, options: DbOptions): Promise<Db> {
  const loading = Promise.all([prismaClient(), import('@prisma/adapter-pg')])
  loading.catch(() => undefined) // awaited below; a failed connect must not leave it unhandled
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({
    connectionString: url,
    // Returning idle connections lets a pool that lost its server start clean when it is back.
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    max: options.poolMax ?? 10,
    // Bounded waits: an unreachable or stuck server fails a request fast (503) instead of hanging it.
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    // Detects a server that vanished without closing the socket (network partition).
    keepAlive: true,
  })
  pool.on('error', () => undefined) // an idle client dropped by the server must not crash the process
  try {
    const client = await pool.connect()
    client.release()
  } catch (err) {
    await pool.end().catch(() => undefined)
    throw new DatabaseUnavailableError(`Cannot connect to DATABASE_URL ${redactUrl(url)}: ${oneLine(err)}`)
  }
  const [PrismaClient, { PrismaPg }] = await loading
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
  const sessionOf = (client: ClientBase | Pool): SqlSession => ({
    exec: async (sql) => { await client.query(sql) },
    query: async <T extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
      (await client.query<T>(sql, params)).rows,
  })
  return {
    kind: 'postgres',
    prisma,
    ...sessionOf(pool),
    async withAdvisoryLock(key, fn) {
      // Its own connection, outside the pool's query timeout: waiting for another replica's
      // migration, or a long one, must not fail the start.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 })
      client.on('error', () => undefined)
      await client.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key])
        try {
          return await fn(sessionOf(client))
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key])
        }
      } finally {
        await client.end()
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await prisma.$disconnect()
      await pool.end()
    },
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
}

function oneLine(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] }
  const message = e.message || e.errors?.map((inner) => inner.message).join('; ') || e.code || String(err)
  return message.replace(/\s+/g, ' ').trim()
}
