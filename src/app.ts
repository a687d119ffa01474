// Builds the Fastify application from a validated config: logger, database, error handling,
// OpenAPI docs, routes and the console at /. server.ts listens; tests call buildApp and use app.inject.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import { registerErrorHandler } from './http/error-handler.ts'
import { databasePlugin } from './plugins/database.plugin.ts'
import { graphqlPlugin } from './graphql/plugin.ts'
import { registerRoutes } from './http/routes.ts'
import { servicesPlugin } from './plugins/services.plugin.ts'
import { openApiRefResolver, registerSharedSchemas } from './http/shared-schemas.ts'
import { protectionPlugin } from './plugins/protection.plugin.ts'
import { resiliencePlugin } from './plugins/resilience.plugin.ts'
import { schemaCompilers } from './plugins/schema-compilers.ts'
import { serverOptions } from './plugins/server-options.ts'
import { metricsPlugin } from './observability/metrics.plugin.ts'
import { consolePlugin } from './plugins/console.plugin.ts'

export interface BuildOptions {
  /** An open database handle to use instead of opening one from the config (the caller closes it). */
  db?: Db
  /** Migrate and seed on boot (default true). */
  prepareDatabase?: boolean
  /** false silences logging (tests). */
  logger?: boolean
  /**
   * Compile the routes' schemas after the server listens (a request that needs one first compiles
   * it), rather than before ready (default). The server's start does; a start is ~1 s of CPU
   * shorter on the 2-core dev machine for it (docs/operations.md, "Compiled start and cold start").
   */
  deferSchemaCompile?: boolean
}

function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' },
    // JSON for machines; readable lines only when a person watches a terminal.
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  }
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const compilers = schemaCompilers()
  const app = Fastify({
    ...serverOptions(config),
    schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } },
    logger: options.logger === false ? false : loggerOptions(config),
    // A first start runs initdb, migrations and the seed inside the database plugin: ~5 s idle, over
    // Fastify's default 10 s plugin timeout on a loaded 2-core machine.
    pluginTimeout: 120_000,
    // removeAdditional off: an unknown field is a 400 naming it, not silently dropped. inlineRefs
    // off: a shared schema (EstimateRequest, Training, ...) is compiled once and called by every
    // route that refers to it, instead of inlined into each route's validator (~40 % of the
    // validators' compile time at a start; same errors, field paths included).
    ajv: { customOptions: { allErrors: true, removeAdditional: false, inlineRefs: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  if (options.deferSchemaCompile) {
    app.addHook('onListen', (done) => {
      void compilers.compilePending().then((failures) => {
        for (const err of failures) app.log.error({ err }, 'a route schema does not compile')
      })
      done()
    })
  } else {
    // As Fastify's own compilers would: every schema before ready, and a broken one fails the start.
    app.addHook('onReady', async () => {
      const [failure] = await compilers.compilePending()
      if (failure) throw failure
    })
  }
  registerErrorHandler(app)
  await app.register(protectionPlugin, { config })
  registerSharedSchemas(app)
  await app.register(swagger, {
    refResolver: openApiRefResolver,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'finetune-estimator',
        version: '0.1.0',
        description: 'Estimates memory, speed, time, cost and risk of fine-tuning LLMs (full, freeze, LoRA, QLoRA) before you rent a GPU.',
      },
      tags: [
        { name: 'catalog', description: 'Models, GPUs and prices the estimates draw on.' },
        { name: 'health', description: 'Liveness and readiness probes.' },
        { name: 'estimates', description: 'Memory, speed, time, cost and risk of a fine-tuning configuration.' },
        { name: 'scenarios', description: 'Stored estimates with team/project/owner tags, re-priced against today\'s catalog.' },
        { name: 'reports', description: 'Cost reports over stored scenarios, as JSON or FinOps FOCUS-style CSV.' },
        { name: 'keys', description: 'API keys and roles (reader < editor < admin).' },
        { name: 'planning', description: 'Methods side by side, recommendations, LoRA serving and multi-phase plans.' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>` (npm run keys:create, POST /v1/keys).' },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(databasePlugin, { config, db: options.db, prepare: options.prepareDatabase })
  await app.register(servicesPlugin, { config })
  await app.register(resiliencePlugin, { config })
  if (config.METRICS_ENABLED) await app.register(metricsPlugin)
  await app.register(registerRoutes)
  await app.register(graphqlPlugin, { config })
  await app.register(consolePlugin)
  return app
}
