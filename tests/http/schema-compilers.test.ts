// The app's schema compilers: a schema compiles once, when first needed or when compilePending()
// runs; a shared response schema object compiles once however many routes and statuses use it; the
// validators answer exactly as Fastify's own (errors included); a broken schema fails ready by
// default, and with deferSchemaCompile the server's start is left to answer its own requests.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import { afterEach, describe, expect, test } from 'vitest'
import { schemaCompilers, type SchemaCompilers } from '../../src/plugins/schema-compilers.ts'
import { buildTestApp } from '../helpers/app.ts'

const Problem = { type: 'object', properties: { code: { type: 'string' } } }
const Body = { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 1 } }, additionalProperties: false }

const apps: FastifyInstance[] = []
afterEach(async () => { await Promise.all(apps.splice(0).map((app) => app.close())) })

/** Three routes with their own body and 200 schemas, and the same Problem object for their 400s and 404s; Fastify's compilers without `compilers`. */
function appWith(compilers?: SchemaCompilers): FastifyInstance {
  const app = Fastify({
    ajv: { customOptions: { allErrors: true } },
    ...(compilers ? { schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } } } : {}),
  })
  apps.push(app)
  for (const path of ['/a', '/b', '/c']) {
    const body = { ...Body }
    app.post(path, { schema: { body, response: { 200: { type: 'object', properties: { n: { type: 'integer' } } }, 400: Problem, 404: Problem } } }, async (request) => request.body)
  }
  return app
}

describe('schema compilers', () => {
  test('compile on first use, or all at once; one serializer per response schema object', async () => {
    const compilers = schemaCompilers()
    const app = appWith(compilers)
    await app.ready()
    // 3 body validators, 3 distinct 200 schemas, and the one Problem object for six statuses.
    expect(compilers.pending).toBe(3 + 3 + 1)
    const ok = await app.inject({ method: 'POST', url: '/a', payload: { n: 2 } })
    expect(ok.json()).toEqual({ n: 2 })
    expect(compilers.pending).toBe(7 - 2)
    expect(await compilers.compilePending()).toEqual([])
    expect(compilers.pending).toBe(0)
  })

  test('validation answers as Fastify\'s own compilers do, errors and coercion included', async () => {
    const ours = appWith(schemaCompilers())
    const fastifys = appWith()
    // 422 has no response schema: the validation errors reach the body whole.
    const details = (err: unknown, _request: unknown, reply: FastifyReply) => reply.code(422).send({ code: (err as FastifyError).code, validation: (err as FastifyError).validation })
    ours.setErrorHandler(details)
    fastifys.setErrorHandler(details)
    for (const payload of [{ n: 0, extra: true }, { n: '3' }, {}, { n: 'x' }]) {
      const [a, b] = await Promise.all([ours.inject({ method: 'POST', url: '/a', payload }), fastifys.inject({ method: 'POST', url: '/a', payload })])
      expect(a.statusCode, JSON.stringify(payload)).toBe(b.statusCode)
      expect(a.body, JSON.stringify(payload)).toBe(b.body)
    }
    const refused = (await ours.inject({ method: 'POST', url: '/a', payload: { n: 0, extra: true } })).json()
    expect(refused.validation.map((e: { instancePath: string; keyword: string }) => `${e.instancePath} ${e.keyword}`)).toEqual(['/n minimum'])
    expect((await ours.inject({ method: 'POST', url: '/a', payload: { n: '3' } })).json()).toEqual({ n: 3 })
  })

  test('header schemas must name headers in lowercase (Fastify lowercases them only for its own compilers)', () => {
    const compilers = schemaCompilers()
    const app = Fastify({ schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } } })
    apps.push(app)
    app.get('/h', { schema: { headers: { type: 'object', properties: { 'If-Match': { type: 'string' } } } } }, async () => 'ok')
    return expect(app.ready()).rejects.toThrow('header schemas name headers in lowercase (got "If-Match")')
  })

  test('a schema that does not compile: its route answers 500, compilePending() reports it', async () => {
    const compilers = schemaCompilers()
    const app = Fastify({ logger: false, schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } } })
    apps.push(app)
    app.post('/broken', { schema: { body: { type: 'object', properties: { n: { type: 'no-such-type' } } } } }, async () => 'ok')
    await app.ready()
    expect((await app.inject({ method: 'POST', url: '/broken', payload: {} })).statusCode).toBe(500)
    const fresh = schemaCompilers()
    const other = Fastify({ schemaController: { compilersFactory: { buildValidator: fresh.buildValidator, buildSerializer: fresh.buildSerializer } } })
    apps.push(other)
    other.post('/broken', { schema: { body: { type: 'object', properties: { n: { type: 'no-such-type' } } } } }, async () => 'ok')
    await other.ready()
    const failures = await fresh.compilePending()
    expect(failures).toHaveLength(1)
    expect(failures[0]!.message).toMatch(/^schema is invalid: data\/properties\/n\/type/)
  })

  test('the app compiles every schema before ready by default', async () => {
    const t = await buildTestApp()
    try {
      await t.app.ready()
      const started = performance.now()
      const res = await t.app.inject({ method: 'POST', url: '/v1/estimates', payload: { model: 'llama-2-7b' } })
      expect(res.statusCode).toBe(400)
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['/method', '/training', '/hardware']))
      expect(performance.now() - started).toBeLessThan(1_000)
    } finally {
      await t.close()
    }
  })
})
