// API keys as plain records. Only the SHA-256 of a key is stored; the plain key exists once, in
// the response that created it.
import type { PrismaClient } from '../generated/prisma/client.ts'

export interface ApiKeyRecord {
  id: string
  name: string
  /** The first characters of the key, so a person can tell keys apart without the secret. */
  prefix: string
  role: string
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

export interface ApiKeyRepository {
  create(data: { name: string; prefix: string; keyHash: string; role: string }): Promise<ApiKeyRecord>
  /** The key with this hash, revoked or not. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | null>
  list(): Promise<ApiKeyRecord[]>
  /** Sets revokedAt once; returns the key, or null when there is no such key. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>
  touch(id: string, at: Date): Promise<void>
}

const SELECT = { id: true, name: true, prefix: true, role: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const

export function createApiKeyRepository(prisma: PrismaClient): ApiKeyRepository {
  return {
    create: (data) => prisma.apiKey.create({ data, select: SELECT }),
    findByHash: (keyHash) => prisma.apiKey.findUnique({ where: { keyHash }, select: SELECT }),
    list: () => prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' }, select: SELECT }),
    async revoke(id, at) {
      await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } })
      return prisma.apiKey.findUnique({ where: { id }, select: SELECT })
    },
    async touch(id, at) {
      await prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at }, select: { id: true } })
    },
  }
}
