// Property-based requests for every REST route (from the OpenAPI document the route schemas build)
// and every GraphQL query and mutation (from the SDL): values the schemas accept, and single
// mutations they must refuse. Whatever comes, the answer is never a 5xx; a REST 4xx is
// problem+json with a code, a 400 names the failing field as a JSON pointer (the mutated one);
// a GraphQL error carries a code and never an internal one.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GraphQLArgument, GraphQLField, GraphQLInputType, GraphQLOutputType, GraphQLSchema } from 'graphql'
import { graphql } from '../../src/graphql/graphql-runtime.ts'
import { loadSchema } from '../../src/graphql/plugin.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts'
import { CATALOG_ESTIMATE, INLINE_ESTIMATE, asAdmin, startPgApp, type PgApp } from './fixtures.ts'
import { exampleVariants, mutations, schemaGenerator, type Generator, type Schema } from './schema-arbitrary.ts'

/** Cases per route: valid and mutated. The planning searches are slow on purpose, so they get fewer valid ones. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1) // FUZZ_SCALE=10 for a deeper local run
const RUNS = { valid: 60 * SCALE, invalid: 60 * SCALE, slowValid: 12 * SCALE, graphql: 25 * SCALE, graphqlInvalid: 15 * SCALE }
const SLOW_ROUTES = /^\/v1\/(recommendations|comparisons|plans|estimates\/inverse|serving)$/
const SKIP_PATHS = /^\/(graphql|docs)/

const LORA_7B = { model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 20_000_000 }, hardware: { gpu: 'a100-80gb' } }
const FULL_1B = { model: 'llama-3.2-1b', method: { type: 'full' }, training: { microBatchSize: 4, sequenceLength: 1024, datasetTokens: 20_000_000 }, hardware: { gpu: 'a100-80gb' } }
const H100 = { name: 'inline H100', memoryGiB: 80, bf16Tflops: 989, memoryBandwidthTBps: 3.35, interconnectGBps: 900 }

/** Known-good bodies per route; the fuzzer varies one field of them at a time (besides generating from scratch). */
const EXAMPLES: Record<string, unknown[]> = {
  'POST /v1/estimates': [CATALOG_ESTIMATE, INLINE_ESTIMATE, LORA_7B, FULL_1B, { ...LORA_7B, hardware: { gpu: H100, count: 2, sharding: 'zero2' } }],
  'POST /v1/scenarios': [{ name: 'fuzz lora', team: 'fuzz', request: LORA_7B }, { name: 'fuzz inline', request: INLINE_ESTIMATE }],
  'POST /v1/comparisons': [{ model: 'llama-2-7b', training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 50_000_000 }, hardware: { gpu: 'a100-80gb' } }],
  'POST /v1/recommendations': [{ model: 'llama-3.2-1b', goal: 'prototype', training: { sequenceLength: 1024, datasetTokens: 10_000_000 }, gpus: ['a100-80gb', 'l4'], limit: 5 }],
  'POST /v1/serving': [{ model: 'llama-2-7b', adapter: { rank: 16 }, tasks: 10, gpu: 'a100-80gb' }],
  'POST /v1/plans': [{ request: FULL_1B, strategy: 'staged-lora-full', options: { loraShare: 0.25 } }, { request: LORA_7B, strategy: 'dynamic-rank', options: { ranks: [64, 16] } }],
  'POST /v1/estimates/inverse': [{ solveFor: 'microBatchSize', request: { ...LORA_7B, training: { microBatchSize: 1, sequenceLength: 4096 } } }],
  'POST /v1/costs': [{ request: LORA_7B, engineeringHours: 8 }, { request: { ...FULL_1B, pricing: { usdPerGpuHour: 3 } }, hours: 12, checkpoints: { count: 2 } }],
  'POST /v1/estimates/sweep': [{ request: LORA_7B, vary: { field: 'training.sequenceLength', values: [512, 2048] } }, { request: FULL_1B, vary: { field: 'hardware.count', range: { from: 1, to: 8, steps: 4, scale: 'log' } } }],
}

let database: TestDatabase
let t: PgApp
let app: FastifyInstance
const known = ['llama-2-7b', 'mistral-7b', 'a100-80gb', 'h100-sxm-80gb', 'l40s', 'aws', 'us-east-1']
const counts = { rest: 0, graphql: 0 }
/** Status histogram per operation, printed at the end: shows the valid cases reach the handlers. */
const statuses = new Map<string, Map<number | string, number>>()
const tally = (key: string, status: number | string) => {
  const byStatus = statuses.get(key) ?? new Map()
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  statuses.set(key, byStatus)
}

beforeAll(async () => {
  database = await createTestDatabase()
  t = await startPgApp(database.url)
  app = t.app
  const created = await app.inject({ method: 'POST', url: '/v1/scenarios', headers: asAdmin, payload: { name: 'fuzz', request: INLINE_ESTIMATE } })
  known.push(created.json().id)
})
afterAll(async () => {
  console.info(`fuzz cases: ${counts.rest} REST requests, ${counts.graphql} GraphQL operations`)
  if (process.env.FUZZ_STATS) for (const [key, byStatus] of statuses) console.info(key, JSON.stringify(Object.fromEntries(byStatus)))
  await t?.close()
  await database?.drop()
})

function send(options: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject({ ...options, headers: { ...asAdmin, ...options.headers } })
}

/** What every REST answer must satisfy; returns the problem body of a 4xx. */
function checkRest(res: LightMyRequestResponse, label: string): { code: string; errors: { field: string }[] } | null {
  if (res.statusCode >= 500) throw new Error(`${label} → ${res.statusCode}: ${res.body}`)
  if (res.statusCode < 400) return null
  if (!String(res.headers['content-type']).includes('application/problem+json')) throw new Error(`${label} → ${res.statusCode} not problem+json: ${res.body}`)
  const problem = res.json()
  if (problem.status !== res.statusCode || typeof problem.code !== 'string') throw new Error(`${label} → malformed problem ${res.body}`)
  if (res.statusCode === 400 && !(problem.errors?.length > 0 && problem.errors.every((e: { field: string }) => e.field.startsWith('/')))) {
    throw new Error(`${label} → 400 naming no field: ${res.body}`)
  }
  return problem
}

interface Operation {
  method: string
  path: string
  body?: Schema
  query: { name: string; schema: Schema; required: boolean }[]
  params: { name: string; schema: Schema }[]
}

describe('REST', () => {
  let generator: Generator
  let operations: Operation[] = []

  beforeAll(() => {
    const spec = app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: { in: string; name: string; schema: Schema; required?: boolean }[] }>>; components?: { schemas?: Record<string, Schema> } }
    generator = schemaGenerator(spec, known)
    operations = Object.entries(spec.paths).filter(([path]) => !SKIP_PATHS.test(path)).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        body: op.requestBody?.content['application/json']?.schema,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: p.required === true })),
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
      })))
  })

  it('covers every route of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(25)
  })

  /** `validParams`: path parameters from real ids only, so a mutation elsewhere is the only fault. */
  const request = (op: Operation, validParams = false) => fc.record({
    params: fc.record(Object.fromEntries(op.params.map((p) => [p.name, validParams ? fc.constantFrom(...known) : fc.oneof(fc.constantFrom(...known), generator.valid(p.schema))]))),
    query: fc.record(Object.fromEntries(op.query.map((q) => [q.name, generator.valid(q.schema)])), { requiredKeys: op.query.filter((q) => q.required).map((q) => q.name) }),
    body: !op.body ? fc.constant(undefined)
      : EXAMPLES[`${op.method} ${op.path}`] ? fc.oneof(generator.valid(op.body), exampleVariants(generator, op.body, EXAMPLES[`${op.method} ${op.path}`]!), exampleVariants(generator, op.body, EXAMPLES[`${op.method} ${op.path}`]!))
        : generator.valid(op.body),
  })

  const urlOf = (op: Operation, params: Record<string, unknown>, query: Record<string, unknown>) => {
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])))
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()
    return search ? `${path}?${search}` : path
  }

  it('answers schema-valid requests to every route without a 5xx', async () => {
    for (const op of operations) {
      await fc.assert(fc.asyncProperty(request(op), async ({ params, query, body }) => {
        counts.rest++
        const res = await send({ method: op.method as 'GET', url: urlOf(op, params, query), ...(body === undefined ? {} : { payload: body as object }) })
        tally(`valid ${op.method} ${op.path}`, res.statusCode)
        checkRest(res, `${op.method} ${op.path} ${JSON.stringify(body)?.slice(0, 300)}`)
      }), { numRuns: SLOW_ROUTES.test(op.path) ? RUNS.slowValid : RUNS.valid })
    }
  }, 120_000 * SCALE)

  it('refuses every single-field mutation with a 400 naming that field', async () => {
    for (const op of operations.filter((o) => o.body || o.query.length > 0)) {
      const mutated = fc.tuple(request(op, true), fc.nat()).map(([req, pick]) => {
        const candidates = [
          ...(op.body ? mutations(generator, op.body, req.body).map((m) => ({ ...m, where: 'body' as const })) : []),
          ...op.query.flatMap((q) => {
            const s = generator.resolve(q.schema)
            const bad = s.type === 'integer' || s.type === 'number' ? 'not-a-number' : s.enum ? 'not-one-of-these' : s.format ? 'not-a-date' : null
            return bad === null ? [] : [{ value: { ...req.query, [q.name]: bad }, pointer: `/${q.name}`, kind: `bad ${q.name}`, where: 'query' as const }]
          }),
        ]
        return { req, mutation: candidates.length > 0 ? candidates[pick % candidates.length]! : null }
      })
      await fc.assert(fc.asyncProperty(mutated, async ({ req, mutation }) => {
        if (!mutation) return
        counts.rest++
        const query = mutation.where === 'query' ? mutation.value as Record<string, unknown> : req.query
        const body = mutation.where === 'body' ? mutation.value : req.body
        const res = await send({ method: op.method as 'GET', url: urlOf(op, req.params, query), ...(body === undefined ? {} : { payload: body as object }) })
        const label = `${op.method} ${op.path} (${mutation.kind} at ${mutation.pointer}) ${JSON.stringify(body)?.slice(0, 300)}`
        const problem = checkRest(res, label)
        if (res.statusCode !== 400) throw new Error(`${label} → ${res.statusCode}, expected 400: ${res.body.slice(0, 300)}`)
        const named = problem!.errors.some((e) => e.field === mutation.pointer || e.field.startsWith(`${mutation.pointer}/`))
        if (!named) throw new Error(`${label} → 400 without ${mutation.pointer}: ${JSON.stringify(problem!.errors)}`)
      }), { numRuns: RUNS.invalid })
    }
  }, 120_000 * SCALE)
})

describe('GraphQL', () => {
  const schema: GraphQLSchema = graphql.buildSchema(loadSchema())
  const named = (type: GraphQLInputType | GraphQLOutputType) => schema.getType(String(type).replace(/[[\]!]/g, ''))!

  /** Values for a GraphQL input type (variables JSON). */
  function input(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
    const nonNull = String(type).endsWith('!')
    const nullable = (nonNull ? (type as unknown as { ofType: GraphQLInputType }).ofType : type)
    const inner = String(nullable)
    const value = (): fc.Arbitrary<unknown> => {
      if (inner.startsWith('[')) return fc.array(input((nullable as unknown as { ofType: GraphQLInputType }).ofType, depth + 1), { maxLength: 3 })
      const t = schema.getType(inner)!
      if ('getValues' in t) return fc.constantFrom(...(t as unknown as { getValues(): { name: string }[] }).getValues().map((v) => v.name))
      if ('getFields' in t) {
        const fields = (t as { getFields(): Record<string, { type: GraphQLInputType }> }).getFields()
        const required = Object.entries(fields).filter(([, f]) => String(f.type).endsWith('!')).map(([k]) => k)
        const keys = Object.keys(fields).filter((k) => required.includes(k) || depth < 3)
        return fc.record(Object.fromEntries(keys.map((k) => [k, input(fields[k]!.type, depth + 1)])), { requiredKeys: required })
      }
      switch (inner) {
        case 'Int': return fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: -5, max: 2 ** 31 - 1 }))
        case 'SafeInt': return fc.oneof(fc.integer({ min: 1, max: 1e9 }), fc.constant(50_000_000))
        case 'Float': return fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(2))
        case 'Boolean': return fc.boolean()
        case 'ID': return fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 }))
        case 'DateTime': return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString())
        case 'JSON': return fc.dictionary(fc.constantFrom('hidden_size', 'num_hidden_layers', 'vocab_size', 'x'), fc.oneof(fc.integer({ min: 1, max: 8192 }), fc.string({ maxLength: 5 })), { maxKeys: 4 })
        default: return fc.string({ maxLength: 12 })
      }
    }
    return nonNull ? value() : fc.option(value(), { nil: null })
  }

  /** Scalar fields of a type, one object level deep, enough to resolve the field for real. */
  function selection(type: GraphQLOutputType, depth = 0): string {
    const t = named(type)
    if (!('getFields' in t)) return ''
    const fields = Object.values((t as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields())
      .filter((f) => f.args.every((a) => !String(a.type).endsWith('!')))
    const parts = fields.flatMap((f) => {
      const child = named(f.type)
      if (!('getFields' in child)) return [f.name]
      // Connections and edges are wrappers: what they wrap is the level that counts.
      const wrapper = /(Connection|Edge)$/.test(child.name)
      if (depth >= 1 && !wrapper) return []
      const sub = selection(f.type, wrapper ? depth : depth + 1)
      return sub ? [`${f.name} ${sub}`] : []
    })
    return parts.length > 0 ? `{ ${parts.join(' ')} }` : ''
  }

  /** Known-good variables, so the resolvers behind the validation run too. */
  const GQL_TRAINING = { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 20_000_000 }
  const GQL_EXAMPLES: Record<string, Record<string, unknown>[]> = {
    estimate: [{ input: { modelId: 'llama-2-7b', method: { type: 'LORA' }, training: GQL_TRAINING, hardware: { gpuId: 'a100-80gb' } } }],
    createScenario: [{ input: { name: 'fuzz gql', request: { modelId: 'llama-2-7b', method: { type: 'QLORA' }, training: GQL_TRAINING, hardware: { gpuId: 'a100-80gb' } } } }],
  }

  const operations = (['query', 'mutation'] as const).flatMap((kind) => {
    const root = kind === 'query' ? schema.getQueryType() : schema.getMutationType()
    return Object.values(root?.getFields() ?? {}).map((field) => ({ kind, field }))
  })

  const document = (kind: string, field: GraphQLField<unknown, unknown>) => {
    const vars = field.args.map((a: GraphQLArgument) => `$${a.name}: ${String(a.type)}`).join(', ')
    const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ')
    return `${kind}${vars ? ` (${vars})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection(field.type)} }`
  }

  async function run(query: string, variables: Record<string, unknown>, label: string) {
    counts.graphql++
    const res = await send({ method: 'POST', url: '/graphql', payload: { query, variables } })
    if (res.statusCode >= 500 || ![200, 400].includes(res.statusCode)) throw new Error(`${label} → HTTP ${res.statusCode}: ${res.body.slice(0, 400)}`)
    const body = res.json() as { errors?: { message: string; extensions?: { code?: string } }[] }
    tally(`graphql ${label.split(' ').slice(0, 2).join(' ')}`, body.errors?.[0]?.extensions?.code ?? 'ok')
    for (const error of body.errors ?? []) {
      const code = error.extensions?.code
      if (typeof code !== 'string' || /INTERNAL/.test(code)) throw new Error(`${label} → error without a usable code: ${JSON.stringify(error)}`)
      if (/\bat .*\.(ts|js):\d+/.test(error.message)) throw new Error(`${label} → stack in message: ${error.message}`)
    }
    return body
  }

  it('has queries and mutations to fuzz', () => {
    expect(operations.length).toBeGreaterThan(10)
  })

  it('answers generated operations without internal errors', async () => {
    for (const { kind, field } of operations) {
      const query = document(kind, field)
      const generated = fc.record(Object.fromEntries(field.args.map((a) => [a.name, input(a.type)])))
      const examples = GQL_EXAMPLES[field.name]
      const variables = examples ? fc.oneof(generated, fc.constantFrom(...examples)) : generated
      const slow = /recommend|compare|plan|inverse|serving/i.test(field.name)
      await fc.assert(fc.asyncProperty(variables, async (vars) => { await run(query, vars, `${kind} ${field.name} ${JSON.stringify(vars).slice(0, 300)}`) }),
        { numRuns: slow ? RUNS.slowValid : RUNS.graphql })
    }
  }, 120_000 * SCALE)

  it('refuses variables of the wrong type, naming the variable', async () => {
    for (const { kind, field } of operations.filter((o) => o.field.args.length > 0)) {
      const query = document(kind, field)
      const wrong = fc.tuple(fc.record(Object.fromEntries(field.args.map((a) => [a.name, input(a.type)]))), fc.nat()).map(([vars, pick]) => {
        const arg = field.args[pick % field.args.length]!
        // An object where a scalar or list is expected, a string where an input object is.
        const bad = 'getFields' in named(arg.type) ? 'not-an-object' : { unexpected: true }
        return { vars: { ...vars, [arg.name]: bad }, name: arg.name }
      })
      await fc.assert(fc.asyncProperty(wrong, async ({ vars, name }) => {
        const body = await run(query, vars, `${kind} ${field.name} bad $${name}`)
        if (!body.errors?.some((e) => e.message.includes(`$${name}`))) throw new Error(`${kind} ${field.name}: bad $${name} not named: ${JSON.stringify(body).slice(0, 400)}`)
      }), { numRuns: RUNS.graphqlInvalid })
    }
  }, 60_000 * SCALE)
})
