// The exact request a result came from, as something to paste elsewhere: a curl command of the
// REST call, and the same question as a GraphQL operation (document and variables, the JSON body
// of POST /graphql). GraphQL spells REST's enum values as names (lora → LORA) and takes catalog
// ids in fields of their own (model → modelId); the enum fields are read from the API's rules.
import { RULES } from './generated/rules.ts'
import { apiKey } from './client.ts'
import type { Rule } from './rules.ts'

export type Operation = keyof typeof RULES

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Path and query string, e.g. /v1/reports/costs?groupBy=team. */
  url: string
  body?: unknown
  graphql?: { document: string; variables: Record<string, unknown> }
}

/** REST's enum value as a GraphQL enum name: "on-demand" → ON_DEMAND, "gpuCount" → GPU_COUNT. */
export const graphqlEnumName = (value: string) => value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().replace(/-/g, '_')

/** REST enums that GraphQL types as String (ModelInput.mlp). */
const GRAPHQL_STRINGS = /(^|\.)mlp$/

/** A REST body as the GraphQL input of the same operation. */
export function toGraphqlInput(operation: Operation, body: unknown, prefix = ''): unknown {
  const rules = RULES[operation] as Record<string, Rule>
  const convert = (value: unknown, path: string): unknown => {
    const rule = rules[path]
    if (Array.isArray(value)) {
      if (path.endsWith('gpus')) return value.map((item) => (typeof item === 'string' ? { gpuId: item } : convert(item, `${path}[]`)))
      return value.map((item) => (typeof item === 'string' && rule?.items?.enum ? graphqlEnumName(item) : convert(item, `${path}[]`)))
    }
    if (typeof value === 'string') return rule?.enum && !rule.union && !GRAPHQL_STRINGS.test(path) ? graphqlEnumName(value) : value
    if (value === null || typeof value !== 'object') return value
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key
      if ((key === 'model' || key === 'gpu') && typeof child === 'string') out[`${key}Id`] = child
      else out[key] = convert(child, childPath)
    }
    return out
  }
  return convert(body, prefix)
}

const shellQuote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`

/** The REST call as a curl command against this origin (the key as a placeholder, never the key itself). */
export function curlOf(call: Call, origin = location.origin): string {
  const parts = ['curl -s']
  if (call.method !== 'GET') parts.push(`-X ${call.method}`)
  parts.push(shellQuote(origin + call.url))
  if (apiKey.get()) parts.push(`-H ${shellQuote('authorization: Bearer $API_KEY')}`)
  if (call.body !== undefined) {
    parts.push(`-H ${shellQuote('content-type: application/json')}`)
    parts.push(`-d ${shellQuote(JSON.stringify(call.body))}`)
  }
  return parts.join(' ')
}

/** POST /graphql's body for the same question. */
export function graphqlBodyOf(call: Call): string | null {
  if (!call.graphql) return null
  return JSON.stringify({ query: call.graphql.document, variables: call.graphql.variables }, null, 2)
}
