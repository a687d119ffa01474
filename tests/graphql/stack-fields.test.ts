// The stack fields of the contract through both doors: the same request gives the same allocator
// peaks, load peak and assumptions over REST and GraphQL, and bad stack input is a 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { onlyError, startGraphqlApp, type GraphqlTestApp } from './graphql-test-app.ts'

const LLAMA_31_8B = {
  name: 'Llama-3.1-8B', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32,
  numKeyValueHeads: 8, headDim: 128, vocabSize: 128256, tieWordEmbeddings: false,
}
const H100 = { name: 'NVIDIA H100 SXM5 80GB', memoryGiB: 80, bf16Tflops: 989, memoryBandwidthTBps: 3.35 }

const rest = {
  model: LLAMA_31_8B,
  method: { type: 'qlora', rank: 16, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
  training: { microBatchSize: 2, sequenceLength: 2048, framework: { name: 'trl', version: '0.24.0' } },
  hardware: { gpu: H100 },
}

const QUERY = `query ($input: EstimateInput!) {
  estimate(input: $input) {
    memory { perGpu { totalBytes allocatedPeakBytes reservedPeakBytes overheadBytes } loadPeakBytes fits }
    assumptions { framework { name version transformers } weightsDtype nonQuantizedDtype residualDtype loss sequenceLengths gradientCheckpointing defaults { field value source } }
  }
}`
const graphqlInput = {
  model: LLAMA_31_8B,
  method: { type: 'QLORA', rank: 16, targetModules: ['Q_PROJ', 'K_PROJ', 'V_PROJ', 'O_PROJ', 'GATE_PROJ', 'UP_PROJ', 'DOWN_PROJ'] },
  training: { microBatchSize: 2, sequenceLength: 2048, framework: { name: 'TRL', version: '0.24.0' } },
  hardware: { gpu: H100 },
}

describe('stack fields over REST and GraphQL', () => {
  let t: GraphqlTestApp
  beforeAll(async () => { t = await startGraphqlApp('pglite') })
  afterAll(async () => { await t?.close() })

  it('answers the same peaks and assumptions through both doors', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/estimates', payload: rest })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    const m = body.memory.perGpu
    expect(m.allocatedPeakBytes).toBeLessThanOrEqual(m.reservedPeakBytes)
    expect(m.totalBytes).toBe(m.reservedPeakBytes + m.overheadBytes)
    expect(body.assumptions).toMatchObject({
      framework: { name: 'trl', version: '0.24.0', transformers: '4.57' },
      // TRL 0.24 prepares the model for k-bit training (everything fp32), then under bf16 casts embeddings
      // and lm_head back to bf16 and keeps the norms fp32, whose outputs make the residual stream fp32.
      weightsDtype: 'fp32', nonQuantizedDtype: 'bf16', residualDtype: 'fp32', loss: 'fp32', sequenceLengths: 'variable', gradientCheckpointing: true,
    })
    expect(body.assumptions.defaults).toContainEqual({ field: 'training.gradientCheckpointing', value: true, source: expect.stringContaining('huggingface/trl@v0.22.0') })

    const g = await t.gql(QUERY, { input: graphqlInput })
    expect(g.errors).toBeUndefined()
    expect(g.data.estimate.memory).toEqual({ perGpu: { totalBytes: m.totalBytes, allocatedPeakBytes: m.allocatedPeakBytes, reservedPeakBytes: m.reservedPeakBytes, overheadBytes: m.overheadBytes }, loadPeakBytes: body.memory.loadPeakBytes, fits: body.memory.fits })
    const { notes: _notes, activationOffload: _a, expandableSegments: _e, adapterDtype: _d, precision: _p, ...sameFields } = body.assumptions
    expect(g.data.estimate.assumptions).toEqual(sameFields)
  })

  it.each([
    [{ name: 'trl', version: '0.1.0' }, '/training/framework/version'],
    [{ name: 'torchtune', transformers: '4.46.0' }, '/training/framework/transformers'],
    [{ name: 'custom', version: '1.0' }, '/training/framework/version'],
  ])('refuses framework %j naming %s', async (framework, field) => {
    const res = await t.call({ method: 'POST', url: '/v1/estimates', payload: { ...rest, training: { ...rest.training, framework } } })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field)
  })

  it('refuses a version that is not a version, and fp32 weights under pure bf16, naming the field', async () => {
    const bad = await t.call({ method: 'POST', url: '/v1/estimates', payload: { ...rest, training: { ...rest.training, framework: { name: 'trl', version: 'latest' } } } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors[0].field).toBe('/training/framework/version')
    const contradiction = await t.call({ method: 'POST', url: '/v1/estimates', payload: { ...rest, training: { ...rest.training, precision: 'bf16', weightsDtype: 'fp32' } } })
    expect(contradiction.statusCode).toBe(400)
    expect(contradiction.json().errors[0].field).toBe('/training/weightsDtype')
  })

  it('GraphQL names the field of a version the profile cannot place', async () => {
    const g = await t.gql(QUERY, { input: { ...graphqlInput, training: { ...graphqlInput.training, framework: { name: 'TRL', version: '0.1.0' } } } })
    const error = onlyError(g)
    expect(error.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: '/training/framework/version' })
  })
})
