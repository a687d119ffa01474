// Stale-if-error for catalog reads: the last good answer of each read is kept, and served again
// when the database cannot be reached, so estimates by catalog id and catalog pages keep working
// through an outage (the HTTP layer marks such responses stale). Other errors pass through.
import { isDatabaseUnavailable, type DatabaseAvailability } from './availability.ts'
import type { CatalogRepository } from './catalog.repository.ts'

/** Distinct reads remembered for an outage; the least recently used are forgotten beyond this. */
const MAX_REMEMBERED_READS = 500
/** A read "at" an instant within this of the clock asks for what is current, whatever the millisecond. */
const CURRENT_WINDOW_MS = 60_000

/** Wraps every read method of the repository (models, GPUs, prices, whatever it grows). */
export function withStaleFallback<R extends CatalogRepository>(
  inner: R,
  availability: DatabaseAvailability,
  now: () => number = Date.now,
): R {
  const remembered = new Map<string, unknown>()

  function keyOf(method: string, args: unknown[]): string {
    return `${method}:${JSON.stringify(args, function (this: Record<string, unknown>, key, value: unknown) {
      const original = this[key]
      if (original instanceof Date) return Math.abs(original.getTime() - now()) < CURRENT_WINDOW_MS ? 'now' : original.toISOString()
      return value
    })}`
  }

  async function read(key: string, load: () => Promise<unknown>): Promise<unknown> {
    try {
      const value = await load()
      remembered.delete(key)
      remembered.set(key, value)
      if (remembered.size > MAX_REMEMBERED_READS) remembered.delete(remembered.keys().next().value!)
      return value
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err
      availability.markDown()
      if (!remembered.has(key)) throw err
      return remembered.get(key)
    }
  }

  const wrapped: Record<string, unknown> = {}
  for (const [method, fn] of Object.entries(inner)) {
    wrapped[method] = typeof fn === 'function'
      ? (...args: unknown[]) => read(keyOf(method, args), () => (fn as (...a: unknown[]) => Promise<unknown>).apply(inner, args))
      : fn
  }
  return wrapped as R
}
