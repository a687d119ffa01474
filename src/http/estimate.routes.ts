// POST /v1/estimates: the contract of shared/design/estimate-contract.md over the estimate service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EstimateRequestRef, EstimateResultRef } from '../contract/shared.schemas.ts'
import { problemResponses } from '../contract/problem.schema.ts'

export const estimateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/estimates', {
    config: { access: 'read' },
    schema: {
      tags: ['estimates'],
      summary: 'Estimate a fine-tuning run',
      description: 'Memory per GPU (with a low/expected/high band), speed, training time, cost and forgetting risk of one '
        + 'fine-tuning configuration. `model` and `hardware.gpu` take a catalog id or an inline spec; inline specs with an '
        + 'explicit `pricing.usdPerGpuHour` never touch the database. Unknown ids give 404 naming the id.',
      body: EstimateRequestRef,
      response: { 200: EstimateResultRef, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) =>
    // EstimateRequestRef is the service's own EstimateRequestSchema, so Fastify's check is the only one.
    app.estimates.estimate(request.body, request.serviceContext, true))
}
