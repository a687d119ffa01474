// The small neutral context every service call takes: who is asking and where to log. REST and
// GraphQL both build it from the request, so authorization lives in the services and the two
// transports cannot disagree.

export const ROLES = ['reader', 'editor', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Who may call an operation: anyone unless REQUIRE_AUTH is set ('read'), or a key with at least this role. */
export type Access = 'read' | Role

/** Who is calling: nobody (no Authorization header), or the holder of an API key. */
export type Actor =
  | { kind: 'anonymous' }
  | { kind: 'api-key'; keyId: string; name: string; role: Role }
  /** The ADMIN_API_KEY from the environment: admin, but not a stored key. */
  | { kind: 'bootstrap'; role: 'admin' }

export interface ServiceLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface ServiceContext {
  actor: Actor
  log?: ServiceLogger
  /**
   * Aborted when the caller has gone (its connection closed before the answer). Set only where
   * dropping work pays (a recommendation search waiting for a worker): building one per request
   * costs every route CPU.
   */
  signal?: AbortSignal
}

export const ANONYMOUS: Actor = { kind: 'anonymous' }

/** A context for scripts, seeds and tests that act with full rights. */
export const systemContext = (): ServiceContext => ({ actor: { kind: 'bootstrap', role: 'admin' } })

export function roleOf(actor: Actor): Role | null {
  return actor.kind === 'anonymous' ? null : actor.role
}

export function roleAtLeast(role: Role | null, needed: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(needed)
}

/** An identifier of the actor for stored audit fields (scenario owner default). */
export function actorLabel(actor: Actor): string | null {
  if (actor.kind === 'api-key') return actor.name
  if (actor.kind === 'bootstrap') return 'admin'
  return null
}
