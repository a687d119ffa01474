// The contract's shared schemas registered with Fastify once, so that routes refer to them and the
// OpenAPI document lists them under components.schemas.
import type { FastifyInstance } from 'fastify'
import type { TSchema } from 'typebox'
import { SHARED } from '../contract/shared.schemas.ts'

export function registerSharedSchemas(app: FastifyInstance): void {
  for (const [id, schema] of Object.entries(SHARED) as [string, TSchema][]) app.addSchema({ ...schema, $id: id })
}

/** Names components after their $id in the OpenAPI document (default: def-0, def-1...). */
export const openApiRefResolver = {
  buildLocalReference: (json: { $id?: unknown }, _baseUri: unknown, _fragment: unknown, i: number) =>
    (typeof json.$id === 'string' ? json.$id : `def-${i}`),
}
