// Whether the database is reachable, as the process last saw it, and which errors mean "it is
// not" (as opposed to a bug or a constraint): those become 503 DATABASE_UNAVAILABLE with
// Retry-After, and while the database is away catalog reads are marked stale.

/** SQLSTATE classes and codes of a lost or refused connection (PostgreSQL appendix A). */
const UNAVAILABLE_SQLSTATES = /^(08|57P0[1-3]|53300)/
/** Node socket errors of a server that is down, unreachable or gone mid-query. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
/** Prisma's codes for an unreachable server, a closed connection and an exhausted pool. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024'])
/** What pg and the Prisma adapter say when a connection cannot be made or dies mid-query. */
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Connection timeout|connection error|terminating connection|Can't reach database server|Server has closed the connection|DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections/i

/** True when `err` (or anything in its cause chain) says the database could not be used. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>()
  for (let e = err as Record<string, unknown> | undefined; e && typeof e === 'object' && !seen.has(e); e = e.cause as typeof e) {
    seen.add(e)
    const code = typeof e.code === 'string' ? e.code : ''
    const kind = typeof e.kind === 'string' ? e.kind : ''
    if (e.name === 'DatabaseUnavailableError' || e.name === 'PrismaClientInitializationError') return true
    if (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code)) return true
    if (/^(DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections|DatabaseDoesNotExist)$/.test(kind)) return true
    if (typeof e.originalCode === 'string' && UNAVAILABLE_SQLSTATES.test(e.originalCode)) return true
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true
    if (Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)) return true
  }
  return false
}

/** The process's view of the database: set by failed and successful round-trips. */
export class DatabaseAvailability {
  private downSince: Date | null = null
  private listeners = new Set<(available: boolean) => void>()

  get available(): boolean {
    return this.downSince === null
  }

  /** When the current outage started; null while available. */
  get unavailableSince(): Date | null {
    return this.downSince
  }

  markDown(): void {
    if (this.downSince) return
    this.downSince = new Date()
    for (const listener of this.listeners) listener(false)
  }

  markUp(): void {
    if (!this.downSince) return
    this.downSince = null
    for (const listener of this.listeners) listener(true)
  }

  onChange(listener: (available: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
