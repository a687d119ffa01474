// The SDL cannot drift from the REST schemas silently: every GraphQL enum holds exactly the REST
// values (spelled as names), and every input mirrors its REST body field for field, with REST's
// "catalog id or inline spec" fields split into the <name>Id / <name> pair.
import { buildSchema, isEnumType, isInputObjectType, type GraphQLInputObjectType, type GraphQLNamedType } from 'graphql'
import { describe, expect, test } from 'vitest'
import { EstimateRequestSchema } from '../../src/contract/estimate.schemas.ts'
import { ComparisonRequestSchema, InverseRequestSchema, PlanRequestSchema, RecommendationRequestSchema, ServingRequestSchema } from '../../src/contract/planning.schemas.ts'
import { ScenarioCreateSchema } from '../../src/contract/scenario.schemas.ts'
import { ConfigImportRequestSchema, OverridesSchema } from '../../src/contract/config-import.schemas.ts'
import { GpuWriteSchema, HfImportSchema, ModelWriteSchema, PriceCreateSchema } from '../../src/contract/catalog-admin.schemas.ts'
import { loadSchema } from '../../src/graphql/plugin.ts'
import { ENUM_VALUES } from '../../src/graphql/scalars.ts'
import type { Data } from './graphql-test-app.ts'
import { enumName } from './parity.ts'

const schema = buildSchema(loadSchema())
const type = (name: string): GraphQLNamedType => {
  const found = schema.getType(name)
  if (!found) throw new Error(`no type ${name} in the SDL`)
  return found
}

/** REST property names as GraphQL field names: an id-or-spec union becomes its two alternatives. */
function expectedFields(rest: Data): string[] {
  return Object.entries(rest.properties as Record<string, Data>).flatMap(([name, prop]) =>
    prop.anyOf?.some((s: Data) => s.type === 'string') && prop.anyOf.some((s: Data) => s.type === 'object') ? [`${name}Id`, name] : [name]).sort()
}

const INPUTS: [string, Data][] = [
  ['EstimateInput', EstimateRequestSchema],
  ['HardwareInput', EstimateRequestSchema.properties.hardware],
  ['MethodInput', EstimateRequestSchema.properties.method],
  ['TrainingInput', EstimateRequestSchema.properties.training],
  ['PricingInput', EstimateRequestSchema.properties.pricing],
  ['ForgettingInput', EstimateRequestSchema.properties.forgetting],
  ['ModelInput', EstimateRequestSchema.properties.model.anyOf[1]],
  ['GpuInput', EstimateRequestSchema.properties.hardware.properties.gpu.anyOf[1]],
  ['ComparisonInput', ComparisonRequestSchema],
  ['RecommendationInput', RecommendationRequestSchema],
  ['ServingInput', ServingRequestSchema],
  ['TrainingPlanInput', PlanRequestSchema],
  ['InverseInput', InverseRequestSchema],
  ['ModelWriteInput', ModelWriteSchema],
  ['GpuWriteInput', GpuWriteSchema],
  ['PriceInput', PriceCreateSchema],
  ['ModelConfigImportInput', HfImportSchema],
  ['ScenarioInput', ScenarioCreateSchema],
  ['ConfigImportInput', ConfigImportRequestSchema],
  ['HardwareOverrideInput', ConfigImportRequestSchema.properties.hardware],
  ['EstimateOverridesInput', OverridesSchema],
  ['MethodOverrideInput', OverridesSchema.properties.method],
  ['TrainingOverrideInput', OverridesSchema.properties.training],
]

describe('SDL against the REST schemas', () => {
  test.each(Object.entries(ENUM_VALUES))('enum %s holds exactly the REST values', (name, values) => {
    const gql = type(name)
    expect(isEnumType(gql)).toBe(true)
    if (!isEnumType(gql)) return
    expect(gql.getValues().map((v) => v.name).sort()).toEqual(values.map(enumName).sort())
  })

  test('every enum of the SDL is translated to REST values', () => {
    const enums = Object.values(schema.getTypeMap()).filter((t) => isEnumType(t) && !t.name.startsWith('__')).map((t) => t.name)
    expect(enums.sort()).toEqual(Object.keys(ENUM_VALUES).sort())
  })

  test.each(INPUTS)('%s has the fields of its REST body', (name, rest) => {
    const gql = type(name) as GraphQLInputObjectType
    expect(isInputObjectType(gql)).toBe(true)
    expect(Object.keys(gql.getFields()).sort()).toEqual(expectedFields(rest))
  })
})
