// The catalog the forms offer (models, GPUs, prices), read once per page from the same public API.
import { useEffect, useState } from 'preact/hooks'
import { api, outcome, type Answer } from './api/client.ts'
import { useKeyRevision } from './ui/call.tsx'

export type Model = Answer<'/v1/models', 'get'>['items'][number]
export type Gpu = Answer<'/v1/gpus', 'get'>['items'][number]
export type Price = Answer<'/v1/prices', 'get'>['items'][number]

export interface Catalog { models: Model[]; gpus: Gpu[]; prices: Price[] }

let loading: Promise<Catalog> | null = null

async function all<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null } | null>): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  do {
    const page = await fetchPage(cursor)
    if (!page) break
    items.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return items
}

export function loadCatalog(): Promise<Catalog> {
  loading ??= (async () => {
    const data = <T,>(o: { ok: true; data: T } | { ok: false }) => (o.ok ? o.data : null)
    const [models, gpus, prices] = await Promise.all([
      all(async (cursor) => data(await outcome(api.GET('/v1/models', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } })))),
      all(async (cursor) => data(await outcome(api.GET('/v1/gpus', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } })))),
      all(async (cursor) => data(await outcome(api.GET('/v1/prices', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } })))),
    ])
    return { models, gpus, prices }
  })()
  return loading
}

export function useCatalog(): Catalog | null {
  const [catalog, setCatalog] = useState<Catalog | null>(null)
  const keyed = useKeyRevision()
  useEffect(() => {
    // A key typed in may open what was refused without one (REQUIRE_AUTH): read the lists again.
    if (keyed > 0) loading = null
    void loadCatalog().then(setCatalog)
  }, [keyed])
  return catalog
}
