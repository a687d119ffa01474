// /v1/keys: API key management (admin). The plain key appears once, in the creation response.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CreateKeyInputSchema } from '../services/auth.service.ts'
import { problemResponses } from '../contract/problem.schema.ts'

const timestamp = (description: string) => Type.Unsafe<Date>(Type.String({ format: 'date-time', description }))
const nullableTimestamp = (description: string) => Type.Union([timestamp(description), Type.Null()])

const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to tell keys apart.' }),
  role: Type.String({ description: 'reader, editor or admin.' }),
  createdAt: timestamp('When the key was created.'),
  lastUsedAt: nullableTimestamp('Last authenticated request.'),
  revokedAt: nullableTimestamp('When the key was revoked; null while valid.'),
}, { description: 'An API key (without its secret).' })

const CreatedKeySchema = Type.Object({
  ...ApiKeySchema.properties,
  key: Type.String({ description: 'The key itself: shown once, store it now. Send it as `Authorization: Bearer <key>`.' }),
}, { description: 'A new API key, with its secret.' })

const ADMIN = 'Needs an admin API key.'

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/keys', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['keys'],
      summary: 'Create an API key',
      description: `Creates a key with a role (reader < editor < admin). Only its SHA-256 is stored. ${ADMIN}`,
      body: CreateKeyInputSchema,
      response: { 201: CreatedKeySchema, ...problemResponses(400, 401, 403) },
    },
  }, async (request, reply) => reply.code(201).send(await app.auth.createKey(request.body, request.serviceContext)))

  app.get('/v1/keys', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['keys'],
      summary: 'List API keys',
      description: `Every key, revoked ones included, without secrets. ${ADMIN}`,
      response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...problemResponses(401, 403) },
    },
  }, async (request) => ({ items: await app.auth.listKeys(request.serviceContext) }))

  app.delete('/v1/keys/:id', {
    config: { access: 'admin' },
    schema: {
      security: [{ apiKey: [] }],
      tags: ['keys'],
      summary: 'Revoke an API key',
      description: `Revokes a key (kept, with revokedAt set); requests with it get 401 from then on. ${ADMIN}`,
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
      response: { 200: ApiKeySchema, ...problemResponses(401, 403, 404, 409) },
    },
  }, async (request) => app.auth.revokeKey(request.params.id, request.serviceContext))
}
