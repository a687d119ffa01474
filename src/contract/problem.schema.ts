// RFC 9457 problem details as every REST error body looks (see src/transport/problem.ts).
import { Type, type Static } from 'typebox'

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI reference naming the problem type.' }),
    title: Type.String({ description: 'Short summary of the HTTP status.' }),
    status: Type.Integer({ description: 'HTTP status code.' }),
    detail: Type.String({ description: 'What went wrong, for a human.' }),
    code: Type.String({ description: 'Stable machine-readable code, e.g. VALIDATION_FAILED or MODEL_NOT_FOUND.' }),
    instance: Type.String({ description: 'The request path that failed.' }),
    errors: Type.Array(
      Type.Object({
        field: Type.String({ description: 'JSON pointer to the failing field, e.g. /training/sequenceLength; inside a config the request carried, /config/<key path>.' }),
        message: Type.String(),
        line: Type.Optional(Type.Integer({ description: 'Line of the failing key in the config text (1-based).' })),
        column: Type.Optional(Type.Integer({ description: 'Column of the failing key in the config text (1-based).' })),
      }),
    ),
  },
  { description: 'RFC 9457 problem details (application/problem+json).' },
)

/** Registered once as the shared schema "Problem" (src/contract/shared.schemas.ts); routes refer to it. */
const ProblemRef = Type.Unsafe<Static<typeof ProblemSchema>>({ $ref: 'Problem#' })

/** Response entries for the error statuses a route can return. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemRef]))
