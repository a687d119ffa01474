// API keys and who may do what. Keys are random 256-bit secrets stored as SHA-256 hashes (a fast
// hash suffices: unlike passwords they cannot be guessed). Roles are ordered reader < editor <
// admin; every service asks `access` before acting, so REST and GraphQL enforce the same rules.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ApiKeyRecord, ApiKeyRepository } from '../db/api-key.repository.ts'
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError } from '../contract/errors.ts'
import { ANONYMOUS, roleAtLeast, roleOf, type Access, type Actor, type Role, type ServiceContext } from './context.ts'
import { validator } from './validation.ts'
import { Type, type Static } from 'typebox'

export type { ApiKeyRecord }

/** Keys read `fte_` + 43 base64url characters; the prefix makes leaked keys easy to grep for. */
const KEY_PREFIX = 'fte_'
/** Characters of the key kept in clear for display: the marker plus 8 random characters. */
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8

const LAST_USED_RESOLUTION_MS = 60_000

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export const CreateKeyInputSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Who or what holds the key, e.g. "ci-pipeline".' }),
  role: Type.Enum(['reader', 'editor', 'admin'], { description: 'reader < editor < admin.' }),
}, { additionalProperties: false })
export type CreateKeyInput = Static<typeof CreateKeyInputSchema>
const checkCreateKey = validator(CreateKeyInputSchema)

/**
 * 401 when nobody (or a bad key) calls, 403 when a valid key has too low a role: 401 asks the
 * client to authenticate, 403 says authenticating again will not help (RFC 9110 §15.5.2, §15.5.4).
 */
export class AccessPolicy {
  constructor(private readonly requireAuth: boolean) {}

  /** Estimates and catalog reads: open to anyone unless REQUIRE_AUTH is set. */
  read(ctx: ServiceContext): void {
    if (this.requireAuth) this.require(ctx, 'reader')
  }

  require(ctx: ServiceContext, needed: Role): void {
    const role = roleOf(ctx.actor)
    if (role === null) throw new UnauthorizedError(`This operation needs an API key with role ${needed} (Authorization: Bearer <key>)`, 'AUTH_REQUIRED')
    if (!roleAtLeast(role, needed)) throw new ForbiddenError(`This operation needs role ${needed}; the key has role ${role}`, 'AUTH_FORBIDDEN')
  }

  /**
   * The same checks, for an operation's declared access. The doors call it before they read or
   * validate the input (a caller who may not write learns nothing of the input's schema); the
   * services still check on their own.
   */
  enforce(ctx: ServiceContext, access: Access): void {
    if (access === 'read') this.read(ctx)
    else this.require(ctx, access)
  }

  /** Whether `access` can refuse anyone: false for reads while REQUIRE_AUTH is off. */
  restricts(access: Access): boolean {
    return access !== 'read' || this.requireAuth
  }
}

export interface CreatedKey extends ApiKeyRecord {
  /** The plain key: shown once, never stored. */
  key: string
}

/** Whether an Authorization header value asks to be authenticated at all (absent or blank: anonymous). */
export function presentsCredentials(authorization: string | undefined): authorization is string {
  return authorization !== undefined && authorization.trim() !== ''
}

export class AuthService {
  private readonly bootstrapHash: Buffer | null

  constructor(
    private readonly keys: ApiKeyRepository,
    readonly access: AccessPolicy,
    adminApiKey?: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.bootstrapHash = adminApiKey ? createHash('sha256').update(adminApiKey).digest() : null
  }

  /**
   * The actor behind an Authorization header value. No header: anonymous. A header that is not
   * `Bearer <known, unrevoked key>`: 401, even on open endpoints, so a typo in a key never
   * silently downgrades a caller to anonymous.
   */
  async authenticate(authorization: string | undefined): Promise<Actor> {
    if (!presentsCredentials(authorization)) return ANONYMOUS
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (!match) throw new UnauthorizedError('Authorization must be "Bearer <api key>"', 'AUTH_INVALID_KEY')
    const key = match[1]!
    const digest = createHash('sha256').update(key).digest()
    if (this.bootstrapHash && timingSafeEqual(digest, this.bootstrapHash)) return { kind: 'bootstrap', role: 'admin' }
    const record = await this.keys.findByHash(digest.toString('hex'))
    if (!record || record.revokedAt) throw new UnauthorizedError('Unknown or revoked API key', 'AUTH_INVALID_KEY')
    // lastUsedAt is for humans auditing keys: minute precision spares a write per request.
    const now = this.now()
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) await this.keys.touch(record.id, now)
    return { kind: 'api-key', keyId: record.id, name: record.name, role: record.role as Role }
  }

  /** Admin only. Returns the plain key once. */
  async createKey(input: CreateKeyInput, ctx: ServiceContext): Promise<CreatedKey> {
    this.access.require(ctx, 'admin')
    return this.issue(checkCreateKey(input))
  }

  /** For src/ops/keys-create.ts: the first admin key exists before anyone can authenticate. */
  async issue(input: CreateKeyInput): Promise<CreatedKey> {
    const key = KEY_PREFIX + randomBytes(32).toString('base64url')
    const record = await this.keys.create({ name: input.name, role: input.role, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), keyHash: sha256(key) })
    return { ...record, key }
  }

  async listKeys(ctx: ServiceContext): Promise<ApiKeyRecord[]> {
    this.access.require(ctx, 'admin')
    return this.keys.list()
  }

  /** Revokes (never deletes) a key; revoking twice is harmless. */
  async revokeKey(id: string, ctx: ServiceContext): Promise<ApiKeyRecord> {
    this.access.require(ctx, 'admin')
    if (ctx.actor.kind === 'api-key' && ctx.actor.keyId === id) {
      throw new AppError('AUTH_SELF_REVOKE', 409, 'A key cannot revoke itself; use another admin key')
    }
    const record = await this.keys.revoke(id, this.now())
    if (!record) throw new NotFoundError('api key', id, 'API_KEY_NOT_FOUND')
    return record
  }
}
