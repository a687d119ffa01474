// Catalog writes (admin): POST/PUT /v1/models, POST /v1/models/import, POST/PUT /v1/gpus, POST /v1/prices.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { etagOf, versionFromIfMatch } from './etag.ts'
import {
  GpuCreateSchema, GpuWriteSchema, HfImportSchema, ModelCreateSchema, ModelWriteSchema, PriceAppendedSchema, PriceCreateSchema,
} from '../contract/catalog-admin.schemas.ts'
import { GpuSchema, IdParamsSchema, ModelSchema } from '../contract/catalog.schemas.ts'
import { problemResponses } from '../contract/problem.schema.ts'

export const IfMatchHeadersSchema = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The ETag of the version you read (required; 428 without, 412 when stale).' })),
})

const ADMIN = 'Needs an admin API key.'

export const catalogAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/models', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['catalog'],
      summary: 'Create a model',
      description: `Adds a model architecture (managedBy "admin": re-seeding never overwrites it). paramsTotal is computed. ${ADMIN}`,
      body: ModelCreateSchema,
      response: { 201: ModelSchema, ...problemResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const model = await app.catalogAdmin.createModel(request.body, request.serviceContext)
    return reply.code(201).header('etag', etagOf(model.version)).header('location', `/v1/models/${model.id}`).send(model)
  })

  app.post('/v1/models/import', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['catalog'],
      summary: 'Import a model from a Hugging Face config.json',
      description: 'Stores the architecture of a config.json as is (hidden_size, intermediate_size, num_hidden_layers, '
        + 'num_attention_heads, num_key_value_heads, head_dim, vocab_size, tie_word_embeddings, num_local_experts/num_experts, '
        + `num_experts_per_tok, moe_intermediate_size, model_type...). Unknown fields are ignored; missing required ones are named. ${ADMIN}`,
      body: HfImportSchema,
      response: { 201: ModelSchema, ...problemResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const model = await app.catalogAdmin.importHfConfig(request.body, request.serviceContext)
    return reply.code(201).header('etag', etagOf(model.version)).header('location', `/v1/models/${model.id}`).send(model)
  })

  app.put('/v1/models/:id', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['catalog'],
      summary: 'Replace a model',
      description: `Replaces every field of a model; needs If-Match with the ETag read. Marks it managedBy "admin". ${ADMIN}`,
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: ModelWriteSchema,
      response: { 200: ModelSchema, ...problemResponses(400, 401, 403, 404, 412, 428) },
    },
  }, async (request, reply) => {
    const version = versionFromIfMatch(request.headers['if-match'])
    const model = await app.catalogAdmin.updateModel(request.params.id, request.body, version, request.serviceContext)
    return reply.header('etag', etagOf(model.version)).send(model)
  })

  app.post('/v1/gpus', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['catalog'],
      summary: 'Create a GPU',
      description: `Adds an accelerator (managedBy "admin"). ${ADMIN}`,
      body: GpuCreateSchema,
      response: { 201: GpuSchema, ...problemResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const gpu = await app.catalogAdmin.createGpu(request.body, request.serviceContext)
    return reply.code(201).header('etag', etagOf(gpu.version)).header('location', `/v1/gpus/${gpu.id}`).send(gpu)
  })

  app.put('/v1/gpus/:id', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['catalog'],
      summary: 'Replace a GPU',
      description: `Replaces every field of an accelerator; needs If-Match with the ETag read. ${ADMIN}`,
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: GpuWriteSchema,
      response: { 200: GpuSchema, ...problemResponses(400, 401, 403, 404, 412, 428) },
    },
  }, async (request, reply) => {
    const version = versionFromIfMatch(request.headers['if-match'])
    const gpu = await app.catalogAdmin.updateGpu(request.params.id, request.body, version, request.serviceContext)
    return reply.header('etag', etagOf(gpu.version)).send(gpu)
  })

  app.post('/v1/prices', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['catalog'],
      summary: 'Append a price',
      description: 'Adds a price point. History is never overwritten: the current price of the same GPU, provider, region, '
        + `pricing model and instance type gets effectiveTo = the new effectiveFrom, in the same transaction. ${ADMIN}`,
      body: PriceCreateSchema,
      response: { 201: PriceAppendedSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await app.catalogAdmin.appendPrice(request.body, request.serviceContext)))
}
