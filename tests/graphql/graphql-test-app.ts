// The API test app plus a GraphQL caller: POST /graphql with a query, variables and an optional key.
import type { LightMyRequestResponse } from 'fastify'
import { startApiApp, type ApiTestApp } from '../api/api-test-app.ts'
import type { Engine } from '../helpers/databases.ts'

export { ADMIN_KEY, asAdmin } from '../api/api-test-app.ts'

export interface GraphqlError {
  message: string
  path?: (string | number)[]
  locations?: { line: number; column: number }[]
  extensions: { code: string; field?: string; errors?: { field: string; message: string }[] }
}

/** Tests read deep response trees whose shape the query, not a type, fixes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Data = any

export interface GraphqlResponse<T = Data> {
  status: number
  data: T | null
  errors?: GraphqlError[]
  raw: LightMyRequestResponse
}

export interface GraphqlTestApp extends ApiTestApp {
  gql<T = Data>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphqlResponse<T>>
}

export async function startGraphqlApp(engine: Engine, env: Record<string, string> = {}): Promise<GraphqlTestApp> {
  const t = await startApiApp(engine, env)
  return {
    ...t,
    async gql(query, variables, key) {
      const raw = await t.call({ method: 'POST', url: '/graphql', payload: { query, variables }, key })
      const body = raw.json()
      return { status: raw.statusCode, data: body.data ?? null, errors: body.errors, raw }
    },
  }
}

/** The one error of a response, failing loudly when there is not exactly one. */
export function onlyError(res: GraphqlResponse): GraphqlError {
  if (res.errors?.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(res.errors ?? res.data)}`)
  return res.errors[0]!
}
