// GET /v1/models, /v1/gpus, /v1/prices: catalog reads over the catalog service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { parseInstant } from '../contract/instant.ts'
import { etagOf } from './etag.ts'
import {
  GpuPageSchema,
  GpuSchema,
  IdParamsSchema,
  ModelPageSchema,
  ModelSchema,
  PageQuerySchema,
  PricePageSchema,
  PriceQuerySchema,
} from '../contract/catalog.schemas.ts'
import { problemResponses } from '../contract/problem.schema.ts'

export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/models', {
    config: { access: 'read' },
    schema: {
      tags: ['catalog'],
      summary: 'List models',
      description: 'Model architectures of the catalog (config.json fields the estimator needs), ordered by id, cursor-paginated.',
      querystring: PageQuerySchema,
      response: { 200: ModelPageSchema, ...problemResponses(400) },
    },
  }, async (request) => app.catalogReader.listModels(request.query, request.serviceContext))

  app.get('/v1/models/:id', {
    config: { access: 'read' },
    schema: {
      tags: ['catalog'],
      summary: 'Get a model',
      description: 'One model architecture by id, e.g. "llama-3.1-8b".',
      params: IdParamsSchema,
      response: { 200: ModelSchema, ...problemResponses(400, 404) },
    },
  }, async (request, reply) => {
    const model = await app.catalogReader.getModel(request.params.id, request.serviceContext)
    return reply.header('etag', etagOf(model.version)).send(model)
  })

  app.get('/v1/gpus', {
    config: { access: 'read' },
    schema: {
      tags: ['catalog'],
      summary: 'List GPUs',
      description: 'Accelerator specifications (memory, bandwidth, dense TFLOPS, interconnect), ordered by id, cursor-paginated.',
      querystring: PageQuerySchema,
      response: { 200: GpuPageSchema, ...problemResponses(400) },
    },
  }, async (request) => app.catalogReader.listGpus(request.query, request.serviceContext))

  app.get('/v1/gpus/:id', {
    config: { access: 'read' },
    schema: {
      tags: ['catalog'],
      summary: 'Get a GPU',
      description: 'One accelerator by id, e.g. "a100-80gb" or "h100-sxm-80gb".',
      params: IdParamsSchema,
      response: { 200: GpuSchema, ...problemResponses(400, 404) },
    },
  }, async (request, reply) => {
    const gpu = await app.catalogReader.getGpu(request.params.id, request.serviceContext)
    return reply.header('etag', etagOf(gpu.version)).send(gpu)
  })

  app.get('/v1/prices', {
    config: { access: 'read' },
    schema: {
      tags: ['catalog'],
      summary: 'List prices in effect',
      description: 'USD per GPU-hour by GPU, provider, region, instance type and pricing model, as in effect at `at` '
        + '(effectiveFrom ≤ at < effectiveTo). Prices are append-only, so past dates stay answerable.',
      querystring: PriceQuerySchema,
      response: { 200: PricePageSchema, ...problemResponses(400) },
    },
  }, async (request) => {
    const { limit, cursor, at, ...filter } = request.query
    return app.catalogReader.listPrices(
      { ...filter, at: at === undefined ? undefined : parseInstant('/at', at) },
      { limit, cursor },
      request.serviceContext,
    )
  })
}
