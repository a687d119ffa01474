// TypeBox schemas of /v1/scenarios: stored estimates with their request, result and prices used.
import { Type, type Static } from 'typebox'
import { EstimateRequestSchema, PriceUsedSchema } from './estimate.schemas.ts'
import { EstimateRequestRef, EstimateResultRef } from './shared.schemas.ts'

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const timestamp = (description: string) => Type.Unsafe<Date>(Type.String({ format: 'date-time', description }))
const tag = (description: string) => Type.String({ minLength: 1, maxLength: 100, description })

const DATE_OR_DATETIME = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})?)?$'
export const dateParam = (description: string) => Type.String({ pattern: DATE_OR_DATETIME, description })

export const ScenarioCreateSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'What the scenario is, e.g. "support-bot LoRA on A100".' }),
  description: Type.Optional(Type.String({ maxLength: 4000, description: 'Free-form notes.' })),
  team: Type.Optional(tag('Team the cost belongs to (cost reports group by it).')),
  project: Type.Optional(tag('Project the cost belongs to.')),
  owner: Type.Optional(tag('Person responsible. Default: the name of the API key.')),
  request: EstimateRequestSchema,
}, { additionalProperties: false, description: 'A scenario to compute and store.' })

export const ScenarioUpdateSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'New name.' })),
  description: Type.Optional(nullable(Type.String({ maxLength: 4000, description: 'New description; null clears it.' }))),
  team: Type.Optional(nullable(tag('New team; null clears it.'))),
  project: Type.Optional(nullable(tag('New project; null clears it.'))),
  owner: Type.Optional(nullable(tag('New owner; null clears it.'))),
  request: Type.Optional(EstimateRequestSchema),
}, { additionalProperties: false, minProperties: 1, description: 'Fields to change; a new request is recomputed against today\'s catalog.' })

export const ScenarioSchema = Type.Object({
  id: Type.String({ description: 'Scenario id (UUID).' }),
  name: Type.String(),
  description: nullable(Type.String()),
  team: nullable(Type.String()),
  project: nullable(Type.String()),
  owner: nullable(Type.String()),
  modelId: nullable(Type.String({ description: 'Catalog model id; null for inline architectures.' })),
  modelName: Type.String(),
  method: Type.String({ description: 'full, freeze, lora or qlora.' }),
  gpuName: Type.String(),
  gpuCount: Type.Integer(),
  provider: nullable(Type.String({ description: 'Provider of the price used.' })),
  pricingModel: nullable(Type.String({ description: 'Pricing model of the price used.' })),
  gpuHours: Type.Number({ description: 'GPU-hours of the run (0 without datasetTokens).' }),
  computeCostUsd: Type.Number({ description: 'GPU-hours × the price used (0 when unpriced).' }),
  totalCostUsd: Type.Number({ description: 'Compute plus checkpoint storage and data transfer.' }),
  listCostUsd: nullable(Type.Number({ description: 'GPU-hours at the on-demand (list) price of the same GPU, provider and region.' })),
  request: EstimateRequestRef,
  result: EstimateResultRef,
  pricesUsed: Type.Array(PriceUsedSchema),
  version: Type.Integer({ description: 'Incremented by every update; the ETag.' }),
  createdAt: timestamp('When the scenario was stored.'),
  updatedAt: timestamp('When it last changed.'),
}, { description: 'A stored estimate.' })

export const ScenarioListQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (1-200).' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'The `nextCursor` of the previous page.' })),
  team: Type.Optional(tag('Only this team.')),
  project: Type.Optional(tag('Only this project.')),
  owner: Type.Optional(tag('Only this owner.')),
  model: Type.Optional(tag('Only this model (catalog id or name).')),
  method: Type.Optional(Type.Enum(['full', 'freeze', 'lora', 'qlora'], { description: 'Only this method.' })),
  from: Type.Optional(dateParam('Created at or after (YYYY-MM-DD = midnight UTC, or ISO 8601).')),
  to: Type.Optional(dateParam('Created before (exclusive).')),
})

export const ScenarioPageSchema = Type.Object({
  items: Type.Array(ScenarioSchema),
  nextCursor: nullable(Type.String({ description: 'Cursor of the next page; null on the last one.' })),
}, { description: 'Scenarios, newest first.' })

const CostSnapshotSchema = Type.Object({
  usdPerGpuHour: nullable(Type.Number({ description: 'Price per GPU-hour.' })),
  gpuHours: Type.Number(),
  computeCostUsd: Type.Number(),
  totalCostUsd: Type.Number(),
  pricesUsed: Type.Array(PriceUsedSchema),
})

export const RepriceSchema = Type.Object({
  scenarioId: Type.String(),
  pricedAt: timestamp('The instant whose catalog prices were used.'),
  before: CostSnapshotSchema,
  after: CostSnapshotSchema,
  delta: Type.Object({
    computeCostUsd: Type.Number({ description: 'after − before.' }),
    totalCostUsd: Type.Number({ description: 'after − before.' }),
    percent: nullable(Type.Number({ description: 'Change of totalCostUsd in percent; null when before was 0.' })),
  }),
  result: EstimateResultRef,
}, { description: 'The stored scenario priced again with today\'s catalog (nothing is saved).' })

export const ScenarioCompareBodySchema = Type.Object({
  ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 2, maxItems: 20, uniqueItems: true, description: 'Scenario ids, 2-20.' }),
}, { additionalProperties: false })

export const ScenarioComparisonSchema = Type.Object({
  items: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    modelName: Type.String(),
    method: Type.String(),
    gpuName: Type.String(),
    gpuCount: Type.Integer(),
    memoryPerGpuBytes: Type.Integer(),
    fits: Type.Boolean(),
    tokensPerSecond: Type.Number(),
    trainingHours: nullable(Type.Number()),
    gpuHours: Type.Number(),
    totalCostUsd: Type.Number(),
    forgettingRisk: Type.Number(),
  }), { description: 'The scenarios in the order asked.' }),
  cheapestId: nullable(Type.String({ description: 'Lowest totalCostUsd among priced scenarios that fit.' })),
  fastestId: nullable(Type.String({ description: 'Shortest trainingHours among scenarios that fit.' })),
}, { description: 'Scenarios side by side.' })

export type ScenarioCreate = Static<typeof ScenarioCreateSchema>
export type ScenarioUpdate = Static<typeof ScenarioUpdateSchema>
export type ScenarioListQuery = Static<typeof ScenarioListQuerySchema>
export type ScenarioDto = Static<typeof ScenarioSchema>
export type Reprice = Static<typeof RepriceSchema>
export type ScenarioComparison = Static<typeof ScenarioComparisonSchema>
