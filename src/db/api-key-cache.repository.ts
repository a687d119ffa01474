// API key lookups from memory: without this every authenticated request costs a database
// round-trip, and an outage turns even inline estimates into 503s for every key holder. A lookup
// (found or not) is kept for `ttlMs`; while the database is unreachable the last answer is used
// however old; a revocation through this replica applies at once, through another within ttlMs.
import { isDatabaseUnavailable } from './availability.ts'
import type { ApiKeyRecord, ApiKeyRepository } from './api-key.repository.ts'

/** Distinct key hashes remembered; the oldest are forgotten beyond this (random keys cannot grow it without bound). */
const MAX_ENTRIES = 10_000

export function withKeyCache(inner: ApiKeyRepository, ttlMs: number, now: () => number = Date.now): ApiKeyRepository {
  const cache = new Map<string, { record: ApiKeyRecord | null; at: number }>()
  const update = (id: string, change: (record: ApiKeyRecord) => ApiKeyRecord | null) => {
    for (const [hash, entry] of cache) if (entry.record?.id === id) cache.set(hash, { ...entry, record: change(entry.record) })
  }
  return {
    ...inner,
    async findByHash(keyHash) {
      const hit = cache.get(keyHash)
      if (hit && now() - hit.at < ttlMs) return hit.record
      try {
        const record = await inner.findByHash(keyHash)
        cache.delete(keyHash)
        cache.set(keyHash, { record, at: now() })
        if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!)
        return record
      } catch (err) {
        if (hit && isDatabaseUnavailable(err)) return hit.record
        throw err
      }
    },
    async revoke(id, at) {
      const revoked = await inner.revoke(id, at)
      update(id, () => revoked)
      return revoked
    },
    async touch(id, at) {
      // lastUsedAt is for people auditing keys: losing one update to an outage must not fail the request.
      try {
        await inner.touch(id, at)
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err
      }
      update(id, (record) => ({ ...record, lastUsedAt: at }))
    },
  }
}
