// Planning endpoints over the engine: POST /v1/comparisons, /v1/recommendations, /v1/serving,
// /v1/plans, /v1/estimates/inverse and /v1/costs.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { withClientSignal } from '../transport/client-signal.ts'
import { problemResponses } from '../contract/problem.schema.ts'
import { EstimateRequestRef, withProperties } from '../contract/shared.schemas.ts'
import {
  ComparisonRequestSchema, ComparisonResultSchema, CostRequestSchema, CostResultSchema, InverseRequestSchema, InverseResultSchema, PlanRequestSchema, PlanResultSchema,
  RecommendationRequestSchema, RecommendationResultSchema, ServingRequestSchema, ServingResultSchema,
} from '../contract/planning.schemas.ts'

const PlanBody = withProperties(PlanRequestSchema, { request: EstimateRequestRef })
const InverseBody = withProperties(InverseRequestSchema, { request: EstimateRequestRef })
const CostBody = withProperties(CostRequestSchema, { request: EstimateRequestRef })
const OPEN = 'Open unless REQUIRE_AUTH is set.'
const errors = problemResponses(400, 401, 403, 404)

export const planningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/comparisons', {
    config: { access: 'read' },
    schema: {
      tags: ['planning'],
      summary: 'Compare methods',
      description: 'Full fine-tuning, layer freezing, LoRA and QLoRA side by side on one model, training run and hardware: memory, '
        + `speed, cost, forgetting risk and expected quality, with the best method per criterion. ${OPEN}`,
      body: ComparisonRequestSchema,
      response: { 200: ComparisonResultSchema, ...errors },
    },
  }, async (request) => app.planning.compare(request.body, request.serviceContext))

  app.post('/v1/recommendations', {
    config: { access: 'read' },
    schema: {
      tags: ['planning'],
      summary: 'Recommend a configuration',
      description: 'Searches methods, ranks, GPUs, GPU counts, sharding, micro-batches and today\'s catalog prices for the options '
        + 'that fit the budget, deadline, quality floor and risk ceiling; returns the recommendation with reasons, the ranked options, '
        + `the Pareto frontier and the decision matrix for the goal. ${OPEN}`,
      body: RecommendationRequestSchema,
      response: { 200: RecommendationResultSchema, ...errors },
    },
  }, async (request, reply) => app.planning.recommend(request.body, withClientSignal(request.serviceContext, reply)))

  app.post('/v1/serving', {
    config: { access: 'read' },
    schema: {
      tags: ['planning'],
      summary: 'Plan LoRA serving',
      description: `Serving N fine-tuned tasks: hot-swap, merged copies, batched multi-LoRA and ensembles compared. ${OPEN}`,
      body: ServingRequestSchema,
      response: { 200: ServingResultSchema, ...errors },
    },
  }, async (request) => app.planning.serving(request.body, request.serviceContext))

  app.post('/v1/plans', {
    config: { access: 'read' },
    schema: {
      tags: ['planning'],
      summary: 'Estimate a multi-phase plan',
      description: 'Staged LoRA → full, gradual unfreezing, mixed ranks, dynamic rank or custom phases over one base request: '
        + `peak memory, time, cost and forgetting risk of the whole schedule. ${OPEN}`,
      body: PlanBody,
      response: { 200: PlanResultSchema, ...errors },
    },
  }, async (request) => app.planning.plan(request.body, request.serviceContext))

  app.post('/v1/estimates/inverse', {
    config: { access: 'read' },
    schema: {
      tags: ['estimates'],
      summary: 'Solve for a limit',
      description: `The largest micro-batch, the longest sequence or the fewest GPUs that fit, and the estimate at that answer. ${OPEN}`,
      body: InverseBody,
      response: { 200: InverseResultSchema, ...errors },
    },
  }, async (request) => app.planning.inverse(request.body, request.serviceContext))

  app.post('/v1/costs', {
    config: { access: 'read' },
    schema: {
      tags: ['planning'],
      summary: 'Price a run in full',
      description: 'The whole cost of a training run: compute (the estimate\'s GPU-hours, or `hours` × GPU count, at the price the '
        + 'estimate resolves), checkpoint storage, data transfer and engineering time, in dollars and shares, and the same GPU-hours '
        + `at every catalog offer for the GPU. ${OPEN}`,
      body: CostBody,
      response: { 200: CostResultSchema, ...errors },
    },
  }, async (request) => app.planning.cost(request.body, request.serviceContext))
}
