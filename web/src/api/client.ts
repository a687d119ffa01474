// The console's only way to the service: openapi-fetch over the paths typed from
// openapi/openapi.json (the same public REST API any client uses), so the console cannot show a
// number the API would not give. When clients/typescript/ (the shared typed client) lands, this
// file becomes an import of it.
import createClient from 'openapi-fetch'
import type { components, paths } from './generated/openapi.ts'

export type { paths }
export type Schemas = components['schemas']
export type EstimateRequest = Schemas['EstimateRequest']
export type EstimateResult = Schemas['EstimateResult']

/** A body of one operation, or its 200 answer, by path (POST unless said). */
type Op<P extends keyof paths, M extends 'post' | 'get' = 'post'> = NonNullable<paths[P][M]>
export type Body<P extends keyof paths> = Op<P> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never
export type Answer<P extends keyof paths, M extends 'post' | 'get' = 'post'> =
  Op<P, M> extends { responses: { 200: { content: { 'application/json': infer A } } } } ? A
    : Op<P, M> extends { responses: { 201: { content: { 'application/json': infer A } } } } ? A : never

export interface Problem {
  status: number
  code?: string
  title?: string
  detail?: string
  errors?: { field: string; message: string }[]
}

export type Outcome<T> = { ok: true; data: T; ms: number } | { ok: false; problem: Problem; ms: number }

const KEY_STORAGE = 'finetune-estimator.api-key'

/** The API key the console sends (kept for the tab's session only; never put in a link). */
export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY_STORAGE) ?? '',
  set: (key: string) => (key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE)),
}

export const api = createClient<paths>({ baseUrl: location.origin })
api.use({
  onRequest({ request }) {
    const key = apiKey.get()
    if (key) request.headers.set('authorization', `Bearer ${key}`)
    return request
  },
})

/** An openapi-fetch call as an outcome: the data, or the problem+json the API answered (or a network failure). */
export async function outcome<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Outcome<T>> {
  const started = performance.now()
  try {
    const { data, error, response } = await call
    const ms = performance.now() - started
    if (response.ok && data !== undefined) return { ok: true, data, ms }
    const problem = (error && typeof error === 'object' ? error : { detail: String(error ?? response.statusText) }) as Problem
    return { ok: false, problem: { ...problem, status: response.status }, ms }
  } catch (err) {
    return { ok: false, problem: { status: 0, title: 'Network error', detail: (err as Error).message }, ms: performance.now() - started }
  }
}
