// The committed openapi/openapi.json is what the routes generate, and it is a valid OpenAPI 3.1
// document. After changing a route schema: `npm run openapi` and commit the file.
import { readFileSync } from 'node:fs'
import SwaggerParser from '@apidevtools/swagger-parser'
import { afterAll, expect, test } from 'vitest'
import { createDb } from '../../src/db/client.ts'
import { generateOpenApi } from '../../src/openapi.ts'
import { closeSharedPglite, sharedPglite } from '../helpers/pglite.ts'

const COMMITTED = new URL('../../openapi/openapi.json', import.meta.url)

afterAll(closeSharedPglite)

test('openapi/openapi.json is up to date with the routes (run `npm run openapi` after changing a schema)', async () => {
  const generated = await generateOpenApi(await createDb({ pglite: await sharedPglite() }))
  expect(readFileSync(COMMITTED, 'utf8') === generated, 'openapi/openapi.json is stale: run `npm run openapi`').toBe(true)
})

test('the document is valid OpenAPI 3.1 and describes every /v1 operation with tags, summary and responses', async () => {
  const document = JSON.parse(readFileSync(COMMITTED, 'utf8'))
  const api = await SwaggerParser.validate(structuredClone(document)) as { openapi: string; paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>> }
  expect(api.openapi).toBe('3.1.0')
  const operations = Object.entries(document.paths as typeof api.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, ...op })))
  expect(operations.map((op) => op.id)).toEqual(expect.arrayContaining([
    'POST /v1/estimates', 'POST /v1/scenarios', 'GET /v1/scenarios', 'GET /v1/scenarios/{id}', 'PATCH /v1/scenarios/{id}',
    'DELETE /v1/scenarios/{id}', 'POST /v1/scenarios/{id}/reprice', 'POST /v1/scenarios/compare', 'GET /v1/reports/costs',
    'POST /v1/models', 'PUT /v1/models/{id}', 'POST /v1/models/import', 'POST /v1/gpus', 'PUT /v1/gpus/{id}', 'POST /v1/prices',
    'POST /v1/keys', 'GET /v1/keys', 'DELETE /v1/keys/{id}',
  ]))
  for (const op of operations) {
    expect(op.tags?.length, op.id).toBeGreaterThan(0)
    expect(op.summary, op.id).toBeTruthy()
    expect(Object.keys(op.responses ?? {}).length, op.id).toBeGreaterThan(1)
  }
  // Big schemas are shared components, not a copy per route; the contract's bounds reach them.
  expect(document.paths['/v1/estimates'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/EstimateRequest' })
  expect(document.paths['/v1/estimates'].post.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Problem' })
  const body = document.components.schemas.EstimateRequest
  expect(body.properties.training.properties.sequenceLength).toMatchObject({ type: 'integer', minimum: 1, maximum: 1_048_576 })
  expect(body.additionalProperties).toBe(false)
})
