// /v1/scenarios: stored estimates (create with Idempotency-Key, read, list, update with If-Match,
// soft delete, re-price against today's catalog, compare side by side).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IfMatchHeadersSchema } from './catalog-admin.routes.ts'
import { parseInstant } from '../contract/instant.ts'
import { etagOf, versionFromIfMatch } from './etag.ts'
import { problemResponses } from '../contract/problem.schema.ts'
import { EstimateRequestRef, withProperties } from '../contract/shared.schemas.ts'
import {
  RepriceSchema, ScenarioCompareBodySchema, ScenarioComparisonSchema, ScenarioCreateSchema, ScenarioListQuerySchema,
  ScenarioPageSchema, ScenarioSchema, ScenarioUpdateSchema,
} from '../contract/scenario.schemas.ts'

const ScenarioCreateBody = withProperties(ScenarioCreateSchema, { request: EstimateRequestRef })
const ScenarioUpdateBody = withProperties(ScenarioUpdateSchema, { request: Type.Optional(EstimateRequestRef) })
const ScenarioParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'Scenario id.' }) })
const EDITOR = 'Needs an editor (or admin) API key.'
const READ = 'Open unless REQUIRE_AUTH is set.'

export const scenarioRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/scenarios', {
    config: { access: 'editor' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['scenarios'],
      summary: 'Create a scenario',
      description: 'Runs the estimate and stores the request, the result and the prices used, with team/project/owner tags. '
        + 'With `Idempotency-Key`, a retry with the same body returns the first scenario (same id, header '
        + `Idempotent-Replayed: true); the same key with another body is a 422. ${EDITOR}`,
      headers: Type.Object({
        'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Client-chosen key that makes retries safe.' })),
      }),
      body: ScenarioCreateBody,
      response: { 201: ScenarioSchema, ...problemResponses(400, 401, 403, 404, 422) },
    },
  }, async (request, reply) => {
    const { scenario, replayed } = await app.scenarios.create(request.body, request.serviceContext, request.headers['idempotency-key'])
    if (replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(201).header('etag', etagOf(scenario.version)).header('location', `/v1/scenarios/${scenario.id}`).send(scenario)
  })

  app.get('/v1/scenarios', {
    config: { access: 'read' },
    schema: {
      tags: ['scenarios'],
      summary: 'List scenarios',
      description: `Newest first, filtered by team, project, owner, model, method and creation date; cursor-paginated. ${READ}`,
      querystring: ScenarioListQuerySchema,
      response: { 200: ScenarioPageSchema, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { limit, cursor, from, to, ...filter } = request.query
    return app.scenarios.list(
      { ...filter, from: from === undefined ? undefined : parseInstant('/from', from), to: to === undefined ? undefined : parseInstant('/to', to) },
      { limit, cursor },
      request.serviceContext,
    )
  })

  app.post('/v1/scenarios/compare', {
    config: { access: 'read' },
    schema: {
      tags: ['scenarios'],
      summary: 'Compare scenarios',
      description: `Stored scenarios side by side (memory, speed, time, cost, forgetting risk), with the cheapest and fastest that fit. ${READ}`,
      body: ScenarioCompareBodySchema,
      response: { 200: ScenarioComparisonSchema, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => app.scenarios.compare(request.body, request.serviceContext))

  app.get('/v1/scenarios/:id', {
    config: { access: 'read' },
    schema: {
      tags: ['scenarios'],
      summary: 'Get a scenario',
      description: `One stored scenario; the ETag is its version. ${READ}`,
      params: ScenarioParamsSchema,
      response: { 200: ScenarioSchema, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const scenario = await app.scenarios.get(request.params.id, request.serviceContext)
    return reply.header('etag', etagOf(scenario.version)).send(scenario)
  })

  app.patch('/v1/scenarios/:id', {
    config: { access: 'editor' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['scenarios'],
      summary: 'Update a scenario',
      description: 'Changes name, description or tags; a new `request` is recomputed against today\'s catalog. Needs If-Match '
        + `with the ETag read (428 without, 412 when someone changed it since). ${EDITOR}`,
      params: ScenarioParamsSchema,
      headers: IfMatchHeadersSchema,
      body: ScenarioUpdateBody,
      response: { 200: ScenarioSchema, ...problemResponses(400, 401, 403, 404, 412, 428) },
    },
  }, async (request, reply) => {
    const version = versionFromIfMatch(request.headers['if-match'])
    const scenario = await app.scenarios.update(request.params.id, request.body, version, request.serviceContext)
    return reply.header('etag', etagOf(scenario.version)).send(scenario)
  })

  app.delete('/v1/scenarios/:id', {
    config: { access: 'editor' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['scenarios'],
      summary: 'Delete a scenario',
      description: `Soft delete: the scenario disappears from reads and reports but is never destroyed. ${EDITOR}`,
      params: ScenarioParamsSchema,
      response: { 204: Type.Null({ description: 'Deleted.' }), ...problemResponses(401, 403, 404) },
    },
  }, async (request, reply) => {
    await app.scenarios.delete(request.params.id, request.serviceContext)
    return reply.code(204).send(null)
  })

  app.post('/v1/scenarios/:id/reprice', {
    config: { access: 'read' },
    schema: {
      tags: ['scenarios'],
      summary: 'Re-price a scenario',
      description: `The stored request priced with today's catalog: the cost before and after and the delta. Saves nothing. ${READ}`,
      params: ScenarioParamsSchema,
      response: { 200: RepriceSchema, ...problemResponses(401, 403, 404) },
    },
  }, async (request) => app.scenarios.reprice(request.params.id, request.serviceContext))
}
