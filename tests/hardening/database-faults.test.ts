// The database goes away under a running service: through a TCP proxy the test controls (closed:
// connections refused; black hole: accepted and never answered), and by pg_terminate_backend on
// the service's connections in the middle of a load. Estimates with inline specs keep answering,
// catalog reads come from cache marked stale, writes fail fast with 503 DATABASE_UNAVAILABLE and
// Retry-After, nothing is half-written, and the service recovers without a restart.
import net from 'node:net'
import type { InjectOptions } from 'fastify'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_DATABASE_URL, createTestDatabase, type TestDatabase } from '../helpers/postgres.ts'
import { CATALOG_ESTIMATE, INLINE_ESTIMATE, LLAMA_2_7B_PARAMETERS, asAdmin, startPgApp, type PgApp } from './fixtures.ts'

/** Forwards to PostgreSQL until told to refuse (stop listening) or to swallow connections. */
class TcpProxy {
  private server: net.Server | null = null
  private readonly sockets = new Set<net.Socket>()
  private blackhole = false
  port = 0

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.blackhole = false
    const server = net.createServer((client) => {
      this.sockets.add(client)
      client.on('close', () => this.sockets.delete(client))
      client.on('error', () => undefined)
      if (this.blackhole) return // accepted, never answered: a server that hangs
      const upstream = net.connect(this.target)
      this.sockets.add(upstream)
      upstream.on('close', () => { this.sockets.delete(upstream); client.destroy() })
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as net.AddressInfo).port
    this.server = server
  }

  /** Drops every connection and stops listening: connects are refused. */
  async refuse(): Promise<void> {
    const server = this.server
    this.server = null
    this.cut()
    if (server) await new Promise((resolve) => server.close(resolve))
  }

  /** Drops every connection; new ones are accepted and then hang. */
  swallow(): void {
    this.blackhole = true
    this.cut()
  }

  private cut(): void {
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const start = performance.now()
  while (!(await check())) {
    if (performance.now() - start > withinMs) throw new Error(`condition not met within ${withinMs} ms`)
    await sleep(50)
  }
  return performance.now() - start
}

const scenario = (name: string) => ({ name, team: 'faults', request: INLINE_ESTIMATE })

describe('PostgreSQL unreachable (through a proxy the test closes and reopens)', () => {
  let database: TestDatabase
  let proxy: TcpProxy
  let t: PgApp

  beforeAll(async () => {
    database = await createTestDatabase()
    const url = new URL(database.url)
    proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
    await proxy.open()
    url.port = String(proxy.port)
    t = await startPgApp(url.toString())
  })
  afterAll(async () => {
    await t?.close()
    await proxy?.refuse()
    await database?.drop()
  })

  const call = (options: InjectOptions) => t.app.inject(options)

  it('refused connections: reads from cache (stale), inline estimates answer, writes 503 at once, then recovery', async () => {
    // Warm what an outage will need: catalog pages, the GPU and the price an estimate by id uses.
    expect((await call({ url: '/v1/models?limit=5' })).statusCode).toBe(200)
    expect((await call({ url: '/v1/prices?gpu=a100-80gb' })).statusCode).toBe(200)
    expect((await call({ method: 'POST', url: '/v1/estimates', payload: CATALOG_ESTIMATE })).statusCode).toBe(200)
    // A stored key, used once before the outage (what a client that was already working did).
    const created = await call({ method: 'POST', url: '/v1/keys', headers: asAdmin, payload: { name: 'platform', role: 'editor' } })
    expect(created.statusCode, created.body).toBe(201)
    const storedKey = { authorization: `Bearer ${created.json().key}` }
    expect((await call({ method: 'POST', url: '/v1/estimates', headers: storedKey, payload: INLINE_ESTIMATE })).statusCode).toBe(200)

    await proxy.refuse()
    // The version poll (every 200 ms here) notices.
    await eventually(async () => !t.app.dbAvailability.available, 2_000)

    const inline = await call({ method: 'POST', url: '/v1/estimates', payload: INLINE_ESTIMATE })
    expect(inline.statusCode).toBe(200)
    expect(inline.json().parameters.total).toBe(LLAMA_2_7B_PARAMETERS)
    // Its holder keeps estimating: the key is known from memory.
    expect((await call({ method: 'POST', url: '/v1/estimates', headers: storedKey, payload: INLINE_ESTIMATE })).statusCode).toBe(200)
    const byId = await call({ method: 'POST', url: '/v1/estimates', payload: CATALOG_ESTIMATE })
    expect(byId.statusCode, byId.body).toBe(200)
    expect(byId.json().parameters.total).toBe(LLAMA_2_7B_PARAMETERS)

    for (const url of ['/v1/models?limit=5', '/v1/prices?gpu=a100-80gb']) {
      const res = await call({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['x-cache']).toBe('stale')
      expect(res.headers.warning).toBe('110 - "Response is Stale"')
    }

    const started = performance.now()
    const write = await call({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: scenario('during outage') })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(write.statusCode).toBe(503)
    expect(write.headers['content-type']).toContain('application/problem+json')
    expect(write.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' })
    expect(Number(write.headers['retry-after'])).toBeGreaterThan(0)
    expect((await call({ url: '/health/ready' })).statusCode).toBe(503)
    expect((await call({ url: '/health/live' })).statusCode).toBe(200)

    expect(t.app.catalogSync?.listening).toBe(false)

    await proxy.open()
    await eventually(async () => (await call({ url: '/health/ready' })).statusCode === 200, 5_000)
    await eventually(async () => t.app.catalogSync?.listening === true, 5_000)
    const after = await call({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: scenario('after outage') })
    expect(after.statusCode, after.body).toBe(201)
    // The next version check (every 200 ms here) clears the outage and reloads the catalog.
    await eventually(async () => {
      const fresh = await call({ url: '/v1/models?limit=5' })
      return fresh.statusCode === 200 && fresh.headers['x-cache'] === undefined
    }, 2_000)
    // The write that failed left nothing behind.
    const names = await t.db.query<{ name: string }>(`SELECT name FROM scenarios WHERE team = 'faults' ORDER BY name`)
    expect(names.map((row) => row.name)).toEqual(['after outage'])
  })

  it('a server that accepts and never answers: writes and readiness fail within the timeouts, never hang', async () => {
    proxy.swallow()
    const started = performance.now()
    const write = await call({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: scenario('into the void') })
    // DB_CONNECT_TIMEOUT_MS is 1 s here.
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(write.statusCode).toBe(503)
    expect(write.json().code).toBe('DATABASE_UNAVAILABLE')
    const inline = await call({ method: 'POST', url: '/v1/estimates', payload: INLINE_ESTIMATE })
    expect(inline.statusCode).toBe(200)
    const readyStarted = performance.now()
    expect((await call({ url: '/health/ready' })).statusCode).toBe(503)
    expect(performance.now() - readyStarted).toBeLessThan(3_000)

    await proxy.refuse()
    await proxy.open()
    await eventually(async () => (await call({ url: '/health/ready' })).statusCode === 200, 5_000)
    expect((await call({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: scenario('back again') })).statusCode).toBe(201)
  })
})

describe('connections killed mid-load (pg_terminate_backend from an admin connection)', () => {
  let database: TestDatabase
  let t: PgApp
  let admin: pg.Client

  beforeAll(async () => {
    database = await createTestDatabase()
    t = await startPgApp(database.url, { DB_POOL_MAX: '4' })
    admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL })
    await admin.connect()
  })
  afterAll(async () => {
    await admin?.end()
    await t?.close()
    await database?.drop()
  })

  it('answers 200/201 or 503, never 500, loses no acknowledged scenario, and recovers', async () => {
    // Warm the catalog the reads below use: from then on they never need the database.
    expect((await t.app.inject({ url: '/v1/gpus?limit=3' })).statusCode).toBe(200)
    let stop = false
    let killed = 0
    const killer = (async () => {
      while (!stop) {
        const res = await admin.query(
          'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database.name],
        )
        killed += res.rows.filter((row) => row.ok).length
        await sleep(100)
      }
    })()

    const statuses: Record<string, number[]> = { inline: [], read: [], write: [] }
    const created: string[] = []
    let n = 0
    const worker = async () => {
      while (!stop) {
        const i = n++
        const inline = await t.app.inject({ method: 'POST', url: '/v1/estimates', payload: INLINE_ESTIMATE })
        statuses.inline!.push(inline.statusCode)
        const read = await t.app.inject({ url: '/v1/gpus?limit=3' })
        statuses.read!.push(read.statusCode)
        const write = await t.app.inject({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: scenario(`load ${i}`) })
        statuses.write!.push(write.statusCode)
        if (write.statusCode === 201) created.push(write.json().id)
      }
    }
    const workers = Array.from({ length: 6 }, worker)
    await sleep(3_000)
    stop = true
    await Promise.all([killer, ...workers])

    console.info(`killed ${killed} backends; ${JSON.stringify(Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, v.reduce<Record<number, number>>((c, s) => ({ ...c, [s]: (c[s] ?? 0) + 1 }), {})])))}`)
    expect(killed).toBeGreaterThan(0)
    expect(new Set(statuses.inline)).toEqual(new Set([200]))
    expect(new Set(statuses.read)).toEqual(new Set([200]))
    for (const [kind, seen] of Object.entries(statuses)) {
      expect(seen.every((status) => [200, 201, 503].includes(status)), `${kind}: ${[...new Set(seen)]}`).toBe(true)
    }
    expect(created.length).toBeGreaterThan(0)

    // Recovery without a restart, then the books: every acknowledged scenario is stored, whole.
    await eventually(async () => (await t.app.inject({ url: '/health/ready' })).statusCode === 200, 5_000)
    // The LISTEN connection was killed too; it comes back by itself.
    await eventually(async () => t.app.catalogSync?.listening === true, 5_000)
    const after = await t.app.inject({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: scenario('after the storm') })
    expect(after.statusCode).toBe(201)
    const rows = await t.db.query<{ id: string; result: unknown }>(`SELECT id, result FROM scenarios WHERE team = 'faults'`)
    const stored = new Map(rows.map((row) => [row.id, row]))
    for (const id of created) expect(stored.has(id), id).toBe(true)
    for (const row of rows) expect(row.result).toBeTypeOf('object')
  }, 30_000)
})
