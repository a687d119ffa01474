// Keeps a replica's in-memory catalog in step with the others on one PostgreSQL. Every catalog
// write bumps catalog_state.version and NOTIFYs catalog_changed (migration 20261128190000); this
// listens on a dedicated connection to drop the cache at once, and polls the version every
// `ttlMs` as a fallback for notifications lost while that connection was down. The poll doubles
// as the database availability probe.
import type { Client } from 'pg'
import { isDatabaseUnavailable, type DatabaseAvailability } from './availability.ts'
import type { Db } from './client.ts'

export const CATALOG_CHANNEL = 'catalog_changed'

/** Wait between attempts to re-open the LISTEN connection. */
const RELISTEN_DELAY_MS = 1_000

export interface CatalogSyncOptions {
  db: Db
  /** Where to LISTEN; without one (PGlite) only the poll runs. */
  databaseUrl?: string | undefined
  ttlMs: number
  connectTimeoutMs: number
  availability: DatabaseAvailability
  /** Drops this replica's cached catalog. */
  invalidate: () => void
  log: { warn(obj: object, msg: string): void }
}

export class CatalogSync {
  private version: number | null = null
  private poller: NodeJS.Timeout | undefined
  private relisten: NodeJS.Timeout | undefined
  private listener: Client | null = null
  private closed = false
  /** True while the LISTEN connection is open (tests and metrics). */
  listening = false

  constructor(private readonly options: CatalogSyncOptions) {
    // What was cached may have been served stale during an outage and missed changes: reload.
    options.availability.onChange((available) => { if (available) options.invalidate() })
  }

  async start(): Promise<void> {
    await this.check()
    if (this.options.databaseUrl) await this.listen()
    this.poller = setInterval(() => void this.check(), this.options.ttlMs).unref()
  }

  /** Reads the version (dropping the cache when it moved) and records whether the database answered. */
  async check(): Promise<void> {
    try {
      const rows = await this.options.db.query<{ version: number }>('SELECT version FROM catalog_state WHERE id = 1')
      this.options.availability.markUp()
      this.observe(Number(rows[0]?.version ?? 0))
    } catch (err) {
      if (isDatabaseUnavailable(err)) this.options.availability.markDown()
      else this.options.log.warn({ err }, 'catalog version check failed')
    }
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.poller)
    clearTimeout(this.relisten)
    const listener = this.listener
    this.listener = null
    this.listening = false
    await listener?.end().catch(() => undefined)
  }

  private observe(version: number): void {
    if (this.version !== null && version !== this.version) this.options.invalidate()
    this.version = version
  }

  private async listen(): Promise<void> {
    if (this.closed) return
    // Imported here: only PostgreSQL listens, and an embedded start need not load the driver.
    const { default: pg } = await import('pg')
    if (this.closed) return
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      keepAlive: true,
    })
    this.listener = client
    const retry = () => {
      if (this.listener !== client) return
      this.listener = null
      this.listening = false
      client.end().catch(() => undefined)
      if (!this.closed) this.relisten = setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref()
    }
    client.on('error', retry)
    client.on('end', retry)
    client.on('notification', (message) => {
      if (message.channel === CATALOG_CHANNEL && message.payload) this.observe(Number(message.payload))
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${CATALOG_CHANNEL}`)
      if (this.listener !== client) return
      this.listening = true
      // Changes made while nobody listened announce themselves only through the version.
      await this.check()
    } catch {
      retry()
    }
  }
}
