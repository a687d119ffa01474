// POST /v1/estimates/sweep and GraphQL estimateSweep: each point is the estimate POST /v1/estimates
// gives at that value (the engine through another path), the values of a range and the largest
// value that fits are as computed by hand or by the inverse endpoint, and a bad value is a 400
// naming its place in `vary`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { onlyError, startGraphqlApp, type Data, type GraphqlTestApp } from '../graphql/graphql-test-app.ts'
import { toGraphqlInput } from '../graphql/parity.ts'

const LORA = { model: 'llama-2-7b', method: { type: 'lora' }, training: { microBatchSize: 1, sequenceLength: 2048, datasetTokens: 20_000_000 }, hardware: { gpu: 'a100-80gb' } }
const LLAMA_2_7B = {
  name: 'Llama-2-7B', hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numAttentionHeads: 32,
  numKeyValueHeads: 32, vocabSize: 32000, tieWordEmbeddings: false,
}

/** The point a sweep should report for an estimate response. */
const pointOf = (value: number, e: Data) => ({
  value,
  totalBytes: e.memory.perGpu.totalBytes,
  lowBytes: e.memory.band.lowBytes,
  highBytes: e.memory.band.highBytes,
  capacityBytes: e.memory.gpuCapacityBytes,
  fits: e.memory.fits,
  tokensPerSecond: e.speed.tokensPerSecond,
  stepSeconds: e.speed.stepSeconds,
  trainingHours: e.speed.trainingHours,
  gpuHours: e.speed.gpuHours,
  costUsd: e.cost.totalUsd,
  trainableParameters: e.parameters.trainable,
  trainableShare: e.parameters.trainableShare,
  forgettingRisk: e.forgetting.risk,
})

describe('estimate sweeps', () => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp('pglite') })
  afterAll(async () => { await t?.close() })
  const post = (url: string, payload: object) => t.call({ method: 'POST', url, payload })
  const sweep = async (payload: object) => {
    const res = await post('/v1/estimates/sweep', payload)
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }
  const problem = async (payload: object, status = 400) => {
    const res = await post('/v1/estimates/sweep', payload)
    expect(res.statusCode, res.body).toBe(status)
    return res.json()
  }

  test('method.rank: LoRA on q,v of Llama-2-7B trains 32 layers × 2 modules × r × (4096 + 4096) = 524,288 r parameters', async () => {
    const body = await sweep({ request: LORA, vary: { field: 'method.rank', values: [8, 16, 64] } })
    expect(body.field).toBe('method.rank')
    expect(body.points.map((p: Data) => [p.value, p.trainableParameters])).toEqual([[8, 4_194_304], [16, 8_388_608], [64, 33_554_432]])
    expect(body.resolved).toEqual({ modelId: 'llama-2-7b', modelName: 'Llama-2-7B', gpuId: 'a100-80gb', gpuName: 'NVIDIA A100 SXM4 80GB' })
    expect(body.pricesUsed[0]).toMatchObject({ source: 'catalog', gpuId: 'a100-80gb' })
  })

  test('every point equals POST /v1/estimates at that value; a log range doubles 512 → 8192 in five points', async () => {
    const body = await sweep({ request: LORA, vary: { field: 'training.sequenceLength', range: { from: 512, to: 8192, steps: 5, scale: 'log' } } })
    expect(body.points.map((p: Data) => p.value)).toEqual([512, 1024, 2048, 4096, 8192])
    for (const point of body.points) {
      const single = await post('/v1/estimates', { ...LORA, training: { ...LORA.training, sequenceLength: point.value } })
      expect(point).toEqual(pointOf(point.value, single.json()))
    }
    // Longer sequences need more memory per GPU.
    const totals = body.points.map((p: Data) => p.totalBytes)
    expect(totals).toEqual([...totals].sort((a, b) => a - b))
  })

  test('a default that follows the varied field follows it: alpha = 2 × rank at each point', async () => {
    const body = await sweep({ request: LORA, vary: { field: 'method.rank', values: [4, 128] } })
    for (const point of body.points) {
      const single = await post('/v1/estimates', { ...LORA, method: { type: 'lora', rank: point.value, alpha: 2 * point.value } })
      expect(point).toEqual(pointOf(point.value, single.json()))
    }
  })

  test('largestFitting is the inverse endpoint\'s largest micro-batch; one more does not fit', async () => {
    const request = { ...LORA, training: { microBatchSize: 1, sequenceLength: 4096 } }
    const inverse = (await post('/v1/estimates/inverse', { solveFor: 'microBatchSize', request })).json()
    expect(inverse.value).toBeGreaterThan(1)
    const body = await sweep({ request, vary: { field: 'training.microBatchSize', range: { from: 1, to: inverse.value + 3, steps: inverse.value + 3 } } })
    expect(body.points.map((p: Data) => p.value)).toEqual(Array.from({ length: inverse.value + 3 }, (_, i) => i + 1))
    expect(body.largestFitting).toBe(inverse.value)
    expect(body.points[inverse.value - 1].fits).toBe(true)
    expect(body.points[inverse.value].fits).toBe(false)
    expect(body.points[inverse.value - 1].totalBytes).toBe(inverse.estimate.memory.perGpu.totalBytes)
  })

  test('nothing fits: largestFitting is null', async () => {
    const body = await sweep({ request: { ...LORA, model: 'llama-2-70b', method: { type: 'full' }, hardware: { gpu: 'l4' } }, vary: { field: 'training.sequenceLength', values: [1024, 2048] } })
    expect(body.points.map((p: Data) => p.fits)).toEqual([false, false])
    expect(body.largestFitting).toBeNull()
  })

  test('an integer field\'s range is rounded and repeats dropped: 1 → 4 in 7 steps is 1, 2, 3, 4', async () => {
    const body = await sweep({ request: LORA, vary: { field: 'training.microBatchSize', range: { from: 1, to: 4, steps: 7 } } })
    expect(body.points.map((p: Data) => p.value)).toEqual([1, 2, 3, 4])
  })

  test('a number field\'s linear range keeps fractions; forgetting risk rises with the learning rate', async () => {
    const body = await sweep({ request: LORA, vary: { field: 'forgetting.learningRate', range: { from: 1e-5, to: 1e-4, steps: 3 } } })
    expect(body.points.map((p: Data) => p.value)).toEqual([1e-5, 1e-5 + (1e-4 - 1e-5) / 2, 1e-4])
    const risks = body.points.map((p: Data) => p.forgettingRisk)
    expect(risks[0]).toBeLessThan(risks[2])
  })

  test('pricing.usdPerGpuHour: cost is GPU-hours × the price of each point', async () => {
    const body = await sweep({ request: LORA, vary: { field: 'pricing.usdPerGpuHour', values: [1, 2.5, 4] } })
    for (const p of body.points) expect(p.costUsd).toBeCloseTo(p.gpuHours * p.value, 9)
    expect(body.points[0].gpuHours).toBe(body.points[2].gpuHours)
    expect(body.pricesUsed).toEqual([expect.objectContaining({ source: 'request', usdPerGpuHour: 1 })])
  })

  test('an inline model\'s width is sweepable; each point is the estimate of that architecture', async () => {
    const request = { ...LORA, model: LLAMA_2_7B }
    const body = await sweep({ request, vary: { field: 'model.hiddenSize', values: [2048, 4096] } })
    for (const point of body.points) {
      const single = await post('/v1/estimates', { ...request, model: { ...LLAMA_2_7B, hiddenSize: point.value } })
      expect(point).toEqual(pointOf(point.value, single.json()))
    }
    // LoRA on q,v: 32 layers × 2 × 16 × (d + d) = 2048 d.
    expect(body.points.map((p: Data) => p.trainableParameters)).toEqual([2048 * 2048, 2048 * 4096])
  })

  test.each([
    ['a value out of the field\'s bounds', { field: 'training.sequenceLength', values: [512, 0] }, '/vary/values/1', 'training.sequenceLength = 0: must be >= 1'],
    ['a range end out of bounds', { field: 'training.sequenceLength', range: { from: 0, to: 1024, steps: 3 } }, '/vary/range/from', 'training.sequenceLength = 0: must be >= 1'],
    ['a rule of the model at one value', { field: 'method.rank', values: [8, 5000] }, '/vary/values/1', 'method.rank = 5000: must be <= 4096'],
    ['an unknown field', { field: 'training.sequencelength', values: [1] }, '/vary/field', '"training.sequencelength" is not a numeric field of the estimate request'],
    ['a field that is not a number', { field: 'method.type', values: [1] }, '/vary/field', '"method.type" is not a numeric field'],
    ['a model field of a catalog model', { field: 'model.hiddenSize', values: [1024] }, '/vary/field', 'varies an inline spec, but model is the catalog id "llama-2-7b"'],
    ['values and range together', { field: 'method.rank', values: [8], range: { from: 1, to: 2, steps: 2 } }, '/vary/range', 'give exactly one of values'],
    ['neither values nor range', { field: 'method.rank' }, '/vary', 'give exactly one of values'],
    ['a log range from 0', { field: 'forgetting.learningRate', range: { from: 0, to: 1e-4, steps: 3, scale: 'log' } }, '/vary/range/from', 'must be above 0 with scale log'],
    ['too many values', { field: 'method.rank', values: Array.from({ length: 501 }, (_, i) => i + 1) }, '/vary/values', 'must NOT have more than 500 items'],
    ['too many steps', { field: 'method.rank', range: { from: 1, to: 600, steps: 600 } }, '/vary/range/steps', 'must be <= 500'],
  ])('400 naming the field: %s', async (_name, vary, field, message) => {
    const body = await problem({ request: LORA, vary })
    expect(body.code).toBe('VALIDATION_FAILED')
    expect(body.errors[0].field).toBe(field)
    expect(body.errors[0].message).toContain(message)
  })

  test('a rule at one value names the value; a problem elsewhere names the field under /request', async () => {
    const layers = await problem({ request: { ...LORA, method: { type: 'freeze' } }, vary: { field: 'method.trainableLayers', values: [1, 40] } })
    expect(layers.errors).toEqual([{ field: '/vary/values/1', message: 'method.trainableLayers = 40: must be at most the model\'s numLayers (32)' }])
    const rank = await problem({ request: { ...LORA, method: { type: 'full' } }, vary: { field: 'method.rank', values: [8] } })
    expect(rank.errors).toEqual([{ field: '/vary/values/0', message: 'method.rank = 8: applies only to method types lora and qlora' }])
    const model = await problem({ request: { ...LORA, model: 'gpt-7' }, vary: { field: 'method.rank', values: [8] } }, 404)
    expect(model).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', errors: [{ field: '/request/model' }] })
    const schema = await problem({ request: { ...LORA, training: { microBatchSize: 1 } }, vary: { field: 'method.rank', values: [8] } })
    expect(schema.errors[0]).toEqual({ field: '/request/training/sequenceLength', message: 'must have required property \'sequenceLength\'' })
  })

  test('GraphQL estimateSweep answers as REST does, and names the same fields in errors', async () => {
    const selection = '{ field largestFitting points { value totalBytes lowBytes highBytes capacityBytes fits tokensPerSecond stepSeconds trainingHours gpuHours costUsd trainableParameters trainableShare forgettingRisk } pricesUsed { source usdPerGpuHour gpuId } resolved { modelId gpuId } }'
    const query = `query Q($input: SweepInput!) { estimateSweep(input: $input) ${selection} }`
    const payload = { request: LORA, vary: { field: 'training.microBatchSize', range: { from: 1, to: 16, steps: 5, scale: 'log' } } }
    const rest = await sweep(payload)
    const gql = await t.gql(query, { input: toGraphqlInput(payload) })
    expect(gql.errors).toBeUndefined()
    expect(gql.data.estimateSweep.points).toEqual(rest.points)
    expect(gql.data.estimateSweep.largestFitting).toBe(rest.largestFitting)
    expect(rest.points.map((p: Data) => p.value)).toEqual([1, 2, 4, 8, 16])
    const bad = onlyError(await t.gql(query, { input: toGraphqlInput({ request: LORA, vary: { field: 'training.sequenceLength', values: [512, -1] } }) }))
    expect(bad.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/vary/values/1' })
    const unknown = onlyError(await t.gql(query, { input: toGraphqlInput({ request: { ...LORA, model: 'gpt-7' }, vary: { field: 'method.rank', values: [8] } }) }))
    expect(unknown.extensions).toMatchObject({ code: 'ESTIMATE_MODEL_NOT_FOUND', field: '/request/modelId' })
  })
})
