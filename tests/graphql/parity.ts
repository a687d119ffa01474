// Helpers that ask REST and GraphQL the same question: a REST body as GraphQL input, a GraphQL
// selection of every field of a REST response schema, and the leaves of a response to compare.
import { EstimateResultSchema } from '../../src/contract/estimate.schemas.ts'
import type { Data } from './graphql-test-app.ts'

/** Shared schemas REST schemas may point to by `$ref` (registered with Fastify under these ids). */
const REFERENCED: Record<string, Data> = { 'EstimateResult#': EstimateResultSchema }

/** The GraphQL spelling of a REST enum value, written out here rather than taken from src/graphql. */
export const enumName = (value: string) => value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().replace(/-/g, '_')

/** Request keys whose values are enums, wherever they appear. */
const ENUM_KEYS = new Set([
  'type', 'strategy', 'targetModules', 'quantization', 'precision', 'optimizer', 'attention', 'sharding', 'offload',
  'pricingModel', 'pricingModels', 'domain', 'regime', 'kind', 'goal', 'methods', 'solveFor', 'scale',
])

/**
 * REST body → GraphQL input: a catalog id under `model`/`gpu` becomes `modelId`/`gpuId` (an
 * inline spec keeps the REST name), a bare GPU id in a list becomes `{ gpuId }`, enums their names.
 */
export function toGraphqlInput(value: Data, key = ''): Data {
  if (Array.isArray(value)) return value.map((item) => (key === 'gpus' && typeof item === 'string' ? { gpuId: item } : toGraphqlInput(item, key)))
  if (typeof value === 'string') return ENUM_KEYS.has(key) ? enumName(value) : value
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) =>
    (k === 'model' || k === 'gpu') && typeof v === 'string' ? [`${k}Id`, v] : [k, toGraphqlInput(v, k)]))
}

/** A selection set of every field of a TypeBox object schema, recursively. */
export function selectionOf(schema: Data): string {
  const inner = (s: Data): Data => s.$ref ? inner(REFERENCED[s.$ref])
    : s.anyOf ? inner(s.anyOf.find((x: Data) => x.type !== 'null'))
      : s.type === 'array' ? inner(s.items) : s
  return `{ ${Object.entries(schema.properties).map(([name, prop]) => {
    const target = inner(prop)
    return target.type === 'object' && target.properties ? `${name} ${selectionOf(target)}` : name
  }).join(' ')} }`
}

/** Every leaf of a JSON tree by path, nulls dropped (REST omits what GraphQL sends as null). */
export function leaves(value: Data, path = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value === null || value === undefined) return out
  if (typeof value !== 'object') out[path] = value
  else for (const [key, child] of Object.entries(value)) leaves(child, `${path}/${key}`, out)
  return out
}

/** REST leaves with the values at enum-typed paths spelled as GraphQL names. */
export function restLeaves(body: Data, enumPath: RegExp): Record<string, unknown> {
  return Object.fromEntries(Object.entries(leaves(body)).map(([path, v]) => [path, typeof v === 'string' && enumPath.test(path) ? enumName(v) : v]))
}
