// Liveness (the process answers) and readiness (the database answers and its schema is current).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { migrationsApplied } from '../db/migrator.ts'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Object({
    database: Type.Boolean({ description: 'A query round-trip succeeded.' }),
    migrations: Type.Boolean({ description: 'Every migration on disk is applied with a matching checksum.' }),
  })),
})

/** A ready check must answer quickly even when the database hangs. */
const READY_TIMEOUT_MS = 2_000

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: { tags: ['health'], summary: 'Liveness', description: 'The process is up and serving HTTP.', response: { 200: HealthSchema } },
    logLevel: 'warn',
  }, async () => ({ status: 'ok' as const }))

  app.get('/health/ready', {
    schema: {
      tags: ['health'],
      summary: 'Readiness',
      description: '200 when the database answers and all migrations are applied; 503 otherwise.',
      response: { 200: HealthSchema, 503: HealthSchema },
    },
    logLevel: 'warn',
  }, async (_request, reply) => {
    const checks = await withTimeout(async () => {
      await app.db.query('SELECT 1')
      return { database: true, migrations: await migrationsApplied(app.db) }
    }, { database: false, migrations: false })
    const ready = checks.database && checks.migrations
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks })
  })
}

async function withTimeout<T>(work: () => Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), READY_TIMEOUT_MS) })
  try {
    return await Promise.race([work().catch(() => fallback), timeout])
  } finally {
    clearTimeout(timer)
  }
}
