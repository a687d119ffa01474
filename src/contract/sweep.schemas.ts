// TypeBox schemas of POST /v1/estimates/sweep: one estimate request with one numeric field varied
// over a list or a range of values, answered as one row of figures per value (the console's
// sweep charts, and any client plotting memory or speed against one knob).
import { Type, type Static, type TSchema } from 'typebox'
import { EstimateRequestSchema, EstimateResultSchema, PriceUsedSchema } from './estimate.schemas.ts'

/** Most points one sweep answers: each runs the engine once (~20 µs), so 500 stay well inside a request. */
export const MAX_SWEEP_POINTS = 500

const nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description })

export const SweepRequestSchema = Type.Object({
  request: EstimateRequestSchema,
  vary: Type.Object({
    field: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z]+(\\.[A-Za-z]+)*$',
      description: 'The numeric request field to vary, as a dotted path: training.sequenceLength, training.microBatchSize, '
        + 'training.gradientAccumulationSteps, training.datasetTokens, method.rank, method.trainableLayers, hardware.count, '
        + 'pricing.usdPerGpuHour, forgetting.learningRate, … (model.* and hardware.gpu.* when the request gives an inline spec). '
        + 'The request\'s own value of that field is replaced at each point.',
    }),
    values: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_SWEEP_POINTS, description: 'The values, in the order answered.' })),
    range: Type.Optional(Type.Object({
      from: Type.Number({ description: 'First value.' }),
      to: Type.Number({ description: 'Last value (inclusive).' }),
      steps: Type.Integer({ minimum: 2, maximum: MAX_SWEEP_POINTS, description: 'Points from `from` to `to`, both included.' }),
      scale: Type.Optional(Type.Enum(['linear', 'log'], { description: 'linear: equal steps; log: equal ratios (from and to above 0). Default: linear.' })),
    }, { additionalProperties: false, description: 'Evenly spaced values; an integer field\'s values are rounded and repeats dropped.' })),
  }, { additionalProperties: false, description: 'What to vary: `values` or `range`, exactly one of them.' }),
}, { additionalProperties: false, description: 'An estimate request and the one numeric field to vary.' })

export const SweepPointSchema = Type.Object({
  value: Type.Number({ description: 'The varied field\'s value at this point.' }),
  totalBytes: Type.Integer({ description: 'Expected per-GPU peak (memory.perGpu.totalBytes).' }),
  lowBytes: Type.Integer({ description: 'Low end of the per-GPU peak band.' }),
  highBytes: Type.Integer({ description: 'High end of the per-GPU peak band.' }),
  capacityBytes: Type.Integer({ description: 'Memory of one GPU.' }),
  fits: Type.Boolean({ description: 'memory.fits of the estimate at this value.' }),
  tokensPerSecond: Type.Number({ description: 'Training throughput, all GPUs together.' }),
  stepSeconds: Type.Number({ description: 'Seconds per optimizer step.' }),
  trainingHours: nullable(Type.Number(), 'null without datasetTokens.'),
  gpuHours: nullable(Type.Number(), 'null without datasetTokens.'),
  costUsd: nullable(Type.Number(), 'Compute cost (cost.totalUsd); null without datasetTokens or a price.'),
  trainableParameters: Type.Integer({ description: 'parameters.trainable.' }),
  trainableShare: Type.Number({ description: 'parameters.trainableShare: trainable over all parameters.' }),
  forgettingRisk: Type.Number({ description: 'forgetting.risk, 0..1.' }),
}, { description: 'The estimate at one value, in the figures a chart needs; POST /v1/estimates with that value gives the same numbers.' })

export const SweepResultSchema = Type.Object({
  field: Type.String({ description: 'The varied field, as asked.' }),
  points: Type.Array(SweepPointSchema, { description: 'One per value, in the order of `values` (or from `from` to `to`).' }),
  largestFitting: nullable(Type.Number(), 'The largest value whose estimate fits; null when none does.'),
  pricesUsed: Type.Array(PriceUsedSchema, { description: 'The prices the first point used (empty when unpriced); a sweep of pricing.usdPerGpuHour prices each point at its own value.' }),
  resolved: EstimateResultSchema.properties.resolved,
}, { description: 'The estimate at each value of the varied field.' })

export type SweepRequest = Static<typeof SweepRequestSchema>
export type SweepResponse = Static<typeof SweepResultSchema>
export type SweepPoint = Static<typeof SweepPointSchema>
