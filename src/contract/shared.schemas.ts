// Schemas every route shares by reference: registered once with app.addSchema, they become
// `components.schemas` of the OpenAPI document instead of a copy per route, and Ajv and the
// serializer resolve them as usual. Services keep validating with the inline originals.
import { Type, type Static, type TObject, type TProperties } from 'typebox'
import { EstimateRequestSchema, EstimateResultSchema } from './estimate.schemas.ts'
import { ProblemSchema } from './problem.schema.ts'

/** Registered by the REST door (src/http/shared-schemas.ts) under these ids. */
export const SHARED = {
  Problem: ProblemSchema,
  EstimateRequest: EstimateRequestSchema,
  EstimateResult: EstimateResultSchema,
} as const

type SharedId = keyof typeof SHARED

/** A reference to a shared schema, typed as the schema it names. */
export const ref = <K extends SharedId>(id: K) => Type.Unsafe<Static<(typeof SHARED)[K]>>({ $ref: `${id}#` })

export const ProblemRef = ref('Problem')
export const EstimateRequestRef = ref('EstimateRequest')
export const EstimateResultRef = ref('EstimateResult')

/** The same object schema with some properties replaced (by references), keeping its options. */
export function withProperties<T extends TProperties, O extends TProperties>(schema: TObject<T>, overrides: O) {
  const { additionalProperties, description, minProperties } = schema as TObject<T> & { additionalProperties?: boolean; minProperties?: number; description?: string }
  return Type.Object({ ...schema.properties, ...overrides } as Omit<T, keyof O> & O, {
    ...(additionalProperties !== undefined ? { additionalProperties } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(minProperties !== undefined ? { minProperties } : {}),
  })
}
