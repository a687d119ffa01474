// Scalars and enums GraphQL needs beyond its own. GraphQL's Int is 32-bit, but bytes, parameter
// and token counts reach 10^11, so they travel as SafeInt: an integer JSON number up to 2^53 - 1,
// the same number REST sends (a string-encoded BigInt would break the contract's "bytes are
// integers"). Enums are the REST values spelled as GraphQL names (bf16-mixed ↔ BF16_MIXED), with
// the REST values as internal values, so the services only ever see REST values.
import type { GraphQLSchema, ValueNode } from 'graphql'
import { graphql } from './graphql-runtime.ts'
import { parseInstant } from '../contract/instant.ts'
import {
  DTYPES, EstimateResultSchema, FRAMEWORKS, ForgettingSpecSchema, HardwareSchema, MethodSchema, PricingSchema, TrainingSchema,
} from '../contract/estimate.schemas.ts'
import {
  InverseRequestSchema, PlanRequestSchema, RecommendationRequestSchema, ServingResultSchema,
} from '../contract/planning.schemas.ts'
import { ROLES } from '../services/context.ts'
import { REPORT_GROUPINGS } from '../contract/report.schemas.ts'
import { CONFIG_FORMATS } from '../contract/config-import.schemas.ts'

const { Kind, valueFromASTUntyped } = graphql

/**
 * A bad scalar or enum input. Not a GraphQLError, so that graphql wraps it with the argument's
 * type and location ("Expected value of type ..."); the error formatter reports it as VALIDATION_FAILED.
 */
export class InvalidInputError extends TypeError {
  override readonly name = 'InvalidInputError'
}

const invalid = (message: string) => new InvalidInputError(message)

function safeInt(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  throw invalid(`SafeInt must be an integer between -(2^53 - 1) and 2^53 - 1; got ${JSON.stringify(value)}`)
}

const SafeInt = {
  serialize: safeInt,
  parseValue: safeInt,
  parseLiteral(ast: ValueNode): number {
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return safeInt(Number(ast.value))
    throw invalid(`SafeInt must be an integer literal; got ${ast.kind}`)
  },
}

function instant(value: unknown): Date {
  if (typeof value !== 'string') throw invalid('DateTime must be a string: YYYY-MM-DD or an ISO 8601 date-time')
  try {
    return parseInstant('DateTime', value)
  } catch {
    throw invalid(`DateTime must be a valid date (YYYY-MM-DD) or ISO 8601 date-time; got "${value}"`)
  }
}

const DateTime = {
  serialize: (value: unknown) => (value instanceof Date ? value.toISOString() : instant(value).toISOString()),
  parseValue: instant,
  parseLiteral(ast: ValueNode): Date {
    if (ast.kind === Kind.STRING) return instant(ast.value)
    throw invalid(`DateTime must be a string literal; got ${ast.kind}`)
  },
}

const JSONScalar = {
  serialize: (value: unknown) => value,
  parseValue: (value: unknown) => value,
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => valueFromASTUntyped(ast, variables ?? undefined),
}

/** The GraphQL name of a REST enum value: upper case, words split by "_" ("on-demand" → ON_DEMAND, "gpuCount" → GPU_COUNT). */
export const graphqlEnumName = (value: string) => value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().replace(/-/g, '_')

const enumOf = (schema: unknown): readonly string[] => {
  const values = (schema as { enum?: unknown; items?: { enum?: unknown } }).enum ?? (schema as { items?: { enum?: unknown } }).items?.enum
  if (!Array.isArray(values)) throw new Error('not an enum schema')
  return values as string[]
}

/** Each GraphQL enum and the REST values it stands for, read from the REST schemas so the two cannot drift. */
export const ENUM_VALUES: Record<string, readonly string[]> = {
  MethodType: enumOf(MethodSchema.properties.type),
  FreezeStrategy: enumOf(MethodSchema.properties.strategy),
  LoraTarget: enumOf(MethodSchema.properties.targetModules),
  Quantization: enumOf(MethodSchema.properties.quantization),
  Precision: enumOf(TrainingSchema.properties.precision),
  Optimizer: enumOf(TrainingSchema.properties.optimizer),
  Attention: enumOf(TrainingSchema.properties.attention),
  Loss: enumOf(TrainingSchema.properties.loss),
  Dtype: DTYPES,
  FrameworkName: FRAMEWORKS,
  SequenceLengths: enumOf(TrainingSchema.properties.sequenceLengths),
  Sharding: enumOf(HardwareSchema.properties.sharding),
  Offload: enumOf(HardwareSchema.properties.offload),
  PricingModel: enumOf(PricingSchema.properties.pricingModel),
  RegularizationKind: enumOf(ForgettingSpecSchema.properties.regularization.properties.kind),
  ForgettingDomain: enumOf(ForgettingSpecSchema.properties.domain),
  ForgettingRegime: enumOf(ForgettingSpecSchema.properties.regime),
  ForgettingLevel: enumOf(EstimateResultSchema.properties.forgetting.properties.level),
  Goal: enumOf(RecommendationRequestSchema.properties.goal),
  ServingModeName: enumOf(ServingResultSchema.properties.modes.items.properties.mode),
  PlanStrategy: enumOf(PlanRequestSchema.properties.strategy),
  SolveFor: enumOf(InverseRequestSchema.properties.solveFor),
  Role: ROLES,
  ReportGrouping: REPORT_GROUPINGS,
  ConfigFormat: CONFIG_FORMATS,
}

/**
 * Serialises the REST values services return as GraphQL names, with an error naming the allowed
 * values (Mercurius assigns these onto the GraphQLEnumType). Parsing needs no override: see
 * withRestEnumValues.
 */
function restEnum(values: readonly string[]) {
  const names = new Set(values.map(graphqlEnumName))
  return {
    serialize(value: unknown): string {
      const name = typeof value === 'string' ? graphqlEnumName(value) : ''
      if (!names.has(name)) throw new TypeError(`${JSON.stringify(value)} is not one of ${values.join(', ')}`)
      return name
    },
  }
}

export const scalarResolvers = {
  SafeInt,
  DateTime,
  JSON: JSONScalar,
  ...Object.fromEntries(Object.entries(ENUM_VALUES).map(([name, values]) => [name, restEnum(values)])),
}

/**
 * Gives every enum value its REST value as internal value (LORA ↔ "lora"), which SDL cannot say,
 * so that graphql-js's parsing and graphql-jit's compiled parsing (which reads
 * `getValue(name).value`) both hand resolvers REST values. Enum value objects are the ones the
 * type looks names up in, so setting `value` on them is seen by every later parse.
 */
export function withRestEnumValues(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, values] of Object.entries(ENUM_VALUES)) {
    const type = schema.getType(name)
    if (!graphql.isEnumType(type)) throw new Error(`enum ${name} is not in the schema`)
    const byName = new Map(values.map((value) => [graphqlEnumName(value), value]))
    for (const value of type.getValues()) {
      const rest = byName.get(value.name)
      if (rest === undefined) throw new Error(`${name}.${value.name} has no REST value`)
      value.value = rest
    }
  }
  return schema
}
