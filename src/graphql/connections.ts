// Relay-style connections over the services' cursor pages: the services page with `nextCursor`;
// GraphQL says `first`/`after` and answers edges (each with its cursor) plus pageInfo.
import { ValidationError } from '../contract/errors.ts'

export interface PageArgs {
  first?: number | null
  after?: string | null
}

/** The services clamp the page size to their maximum; a non-positive `first` is a mistake worth naming. */
export function pageRequest({ first, after }: PageArgs): { limit: number; cursor?: string } {
  const limit = first ?? 50
  if (limit < 1) throw new ValidationError('/first', 'must be at least 1')
  return after ? { limit, cursor: after } : { limit }
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

export function connectionOf<T>(page: { items: T[]; nextCursor: string | null }, cursorOf: (item: T) => string): Connection<T> {
  const edges = page.items.map((node) => ({ cursor: cursorOf(node), node }))
  return { edges, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor ?? edges.at(-1)?.cursor ?? null } }
}
