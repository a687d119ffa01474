// The example configs of all four formats through the running service: REST and GraphQL answer
// the numbers the in-process import gives (the CLI's default mode), and bad configs are 400s
// naming the key and its position on both doors. Catalog models answer to their aliases.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startGraphqlApp, type GraphqlTestApp } from '../graphql/graphql-test-app.ts'
import { EXAMPLES, importConfig } from './helpers.ts'

let t: GraphqlTestApp
beforeAll(async () => { t = await startGraphqlApp('pglite') })
afterAll(async () => { await t?.close() })

const QUERY = `query ($input: ConfigImportInput!) {
  estimateFromConfig(input: $input) {
    request
    mapped { key field value line note }
    defaults { field value source }
    ignored
    caveats { key line message }
    estimate {
      parameters { total trainable }
      memory { perGpu { totalBytes allocatedPeakBytes reservedPeakBytes } gpuCapacityBytes fits loadPeakBytes }
      speed { tokensPerSecond stepSeconds trainingHours gpuHours }
      cost { totalUsd usdPerGpuHour }
      forgetting { risk }
      warnings { code }
    }
  }
}`

/** The GraphQL input of a REST body: enum values as names, gpu as gpuId. */
function graphqlInput(body: Record<string, unknown>) {
  const { hardware, format, ...rest } = body as { hardware: { gpu: string; count?: number }; format: string }
  const { gpu, ...hw } = hardware
  return { ...rest, format: format.toUpperCase().replace(/-/g, '_'), hardware: { ...hw, gpuId: gpu } }
}

describe.each(Object.entries(EXAMPLES))('%s example', (_format, body) => {
  test('REST, GraphQL and the in-process import give the same request, mapping and numbers', async () => {
    const rest = await t.call({ method: 'POST', url: '/v1/estimates/from-config', payload: body })
    expect(rest.statusCode, rest.body).toBe(200)
    const viaRest = rest.json()
    const local = await importConfig(body)
    expect(viaRest.request).toEqual(local.request)
    expect(viaRest.mapped).toEqual(local.mapped)
    expect(viaRest.ignored).toEqual(local.ignored)
    // Among equal catalog prices the database's random ids may pick another provider: the price is the same.
    const { pricesUsed: restPrices, ...restEstimate } = viaRest.estimate
    const { pricesUsed: localPrices, ...localEstimate } = local.estimate
    expect(restEstimate).toEqual(JSON.parse(JSON.stringify(localEstimate)))
    expect(restPrices.map((p: { usdPerGpuHour: number }) => p.usdPerGpuHour)).toEqual(localPrices.map((p) => p.usdPerGpuHour))

    const gql = await t.gql(QUERY, { input: graphqlInput(body) })
    expect(gql.errors).toBeUndefined()
    const viaGraphql = gql.data.estimateFromConfig
    expect(viaGraphql.request).toEqual(viaRest.request)
    expect(viaGraphql.mapped).toEqual(viaRest.mapped.map((m: object) => ({ line: null, note: null, ...m })))
    expect(viaGraphql.ignored).toEqual(viaRest.ignored)
    const e = viaRest.estimate
    expect(viaGraphql.estimate).toEqual({
      parameters: { total: e.parameters.total, trainable: e.parameters.trainable },
      memory: {
        perGpu: { totalBytes: e.memory.perGpu.totalBytes, allocatedPeakBytes: e.memory.perGpu.allocatedPeakBytes, reservedPeakBytes: e.memory.perGpu.reservedPeakBytes },
        gpuCapacityBytes: e.memory.gpuCapacityBytes, fits: e.memory.fits, loadPeakBytes: e.memory.loadPeakBytes,
      },
      speed: { tokensPerSecond: e.speed.tokensPerSecond, stepSeconds: e.speed.stepSeconds, trainingHours: e.speed.trainingHours, gpuHours: e.speed.gpuHours },
      cost: { totalUsd: e.cost.totalUsd, usdPerGpuHour: e.cost.usdPerGpuHour },
      forgetting: { risk: e.forgetting.risk },
      warnings: e.warnings.map((w: { code: string }) => ({ code: w.code })),
    })
  })
})

describe('bad configs', () => {
  const contradiction = { format: 'axolotl', config: 'base_model: meta-llama/Llama-3.1-8B\nadapter: lora\nload_in_4bit: true\n', hardware: { gpu: 'a100-80gb' } }

  test('REST: 400 problem+json naming each key with its line and column', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/estimates/from-config', payload: contradiction })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(res.json()).toMatchObject({
      code: 'CONFIG_INVALID',
      errors: [
        { field: '/config/adapter', line: 2, column: 1, message: expect.stringMatching(/^line 2, column 1: /) },
        { field: '/config/load_in_4bit', line: 3, column: 1 },
      ],
    })
  })

  test('REST: a syntax error names the line and column; the body schema still checks the envelope', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/estimates/from-config', payload: { format: 'trl', config: 'a: [1, 2\nb: 3\n', hardware: { gpu: 'l4' } } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'CONFIG_SYNTAX', errors: [{ field: '/config', line: expect.any(Number), column: expect.any(Number) }] })
    const envelope = await t.call({ method: 'POST', url: '/v1/estimates/from-config', payload: { format: 'ludwig', config: 'a: 1' } })
    expect(envelope.statusCode).toBe(400)
    expect(envelope.json().errors[0].field).toBe('/format')
  })

  test('GraphQL: extensions carry the code and each key with its position', async () => {
    const gql = await t.gql(QUERY, { input: graphqlInput(contradiction) })
    expect(gql.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFIG_INVALID',
      field: '/config/adapter',
      errors: [{ field: '/config/adapter', line: 2, column: 1 }, { field: '/config/load_in_4bit', line: 3, column: 1 }],
    })
    const noGpu = await t.gql(QUERY, { input: { format: 'AXOLOTL', config: 'base_model: meta-llama/Llama-3.1-8B\n' } })
    expect(noGpu.errors?.[0]?.extensions).toMatchObject({ code: 'CONFIG_HARDWARE_REQUIRED', field: '/hardware' })
    const unknownGpu = await t.gql(QUERY, { input: { format: 'AXOLOTL', config: 'base_model: meta-llama/Llama-3.1-8B\n', hardware: { gpuId: 'nope' } } })
    expect(unknownGpu.errors?.[0]?.extensions).toMatchObject({ code: 'ESTIMATE_GPU_NOT_FOUND', field: '/hardware/gpuId' })
  })
})

test('GET /v1/models shows each model\'s aliases; a config naming an alias resolves through the database catalog', async () => {
  const res = await t.call({ method: 'GET', url: '/v1/models/llama-3.1-8b' })
  expect(res.json()).toMatchObject({
    hfId: 'meta-llama/Llama-3.1-8B',
    aliases: ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Meta-Llama-3.1-8B', 'meta-llama/Meta-Llama-3.1-8B-Instruct'],
  })
  const gql = await t.gql('{ model(id: "gemma-2-9b") { aliases } }')
  expect(gql.data.model.aliases).toEqual(['google/gemma-2-9b-it'])
  // Repository ids resolve case-insensitively, as the Hub does.
  const config = { format: 'trl', config: 'model_name_or_path: META-LLAMA/meta-llama-3.1-8b-instruct\n', hardware: { gpu: 'h100-sxm-80gb' } }
  const imported = await t.call({ method: 'POST', url: '/v1/estimates/from-config', payload: config })
  expect(imported.json().request.model).toBe('llama-3.1-8b')
})
