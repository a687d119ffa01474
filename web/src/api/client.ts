// The console's only way to the service: the project's typed client (clients/typescript/,
// openapi-fetch over the types generated from openapi/openapi.json), so the console calls the
// same public REST API any client does and cannot show a number the API would not give.
import { createEstimatorClient, type Answer, type Body, type EstimateRequest, type EstimateResult, type Problem as ApiProblem } from '../../../clients/typescript/index.ts'

export type { Answer, Body, EstimateRequest, EstimateResult }

/** A problem+json answer, or what the console makes of a failure that has none (status 0: unreachable). */
export type Problem = Partial<ApiProblem> & { status: number }

export type Outcome<T> = { ok: true; data: T; ms: number } | { ok: false; problem: Problem; ms: number }

const KEY_STORAGE = 'finetune-estimator.api-key'

/** Fired when the key changes: what was refused without it (REQUIRE_AUTH) is asked again. */
export const KEY_CHANGED = 'console:api-key'

/** The API key the console sends (kept for the tab's session only; never put in a link). */
export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY_STORAGE) ?? '',
  set: (key: string) => {
    if (key) sessionStorage.setItem(KEY_STORAGE, key)
    else sessionStorage.removeItem(KEY_STORAGE)
    dispatchEvent(new Event(KEY_CHANGED))
  },
}

export const api = createEstimatorClient({ baseUrl: location.origin })
// The key is read at each request: it may be typed in after the page loaded.
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
