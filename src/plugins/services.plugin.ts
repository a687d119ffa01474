// Builds the transport-free services once and decorates the app with them; GraphQL resolvers reach
// the same instances (ctx.app.estimates, ...). Authentication is the one transport concern here:
// every request gets `request.serviceContext` (who is calling, the request logger), which the
// routes pass to the services, which decide what that caller may do.
import type { onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { withKeyCache } from '../db/api-key-cache.repository.ts'
import { createApiKeyRepository } from '../db/api-key.repository.ts'
import { createCatalogAdminRepository } from '../db/catalog-admin.repository.ts'
import { createReportRepository } from '../db/report.repository.ts'
import { createScenarioRepository } from '../db/scenario.repository.ts'
import { createAdvisorRunner, type AdvisorRunner } from '../services/advisor-pool.ts'
import { AccessPolicy, AuthService, presentsCredentials } from '../services/auth.service.ts'
import { CatalogAdminService } from '../services/catalog-admin.service.ts'
import { ConfigImportService } from '../services/config-import/config-import.service.ts'
import { createCatalogReader, type CatalogReader } from '../services/catalog-reader.ts'
import { ANONYMOUS, type Access, type ServiceContext } from '../services/context.ts'
import { EstimateService } from '../services/estimate.service.ts'
import { PlanningService } from '../services/planning.service.ts'
import { ReportService } from '../services/report.service.ts'
import { ScenarioService } from '../services/scenario.service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs recommendation searches: worker threads, or inline with ADVISOR_WORKERS=0. */
    advisor: AdvisorRunner
    auth: AuthService
    estimates: EstimateService
    configImport: ConfigImportService
    catalogAdmin: CatalogAdminService
    catalogReader: CatalogReader
    scenarios: ScenarioService
    reports: ReportService
    planning: PlanningService
  }
  interface FastifyRequest {
    serviceContext: ServiceContext
  }
  interface FastifyContextConfig {
    /**
     * Who may call the route. Checked right after authentication, before the body is parsed or
     * validated: a caller without the role gets 401/403 whatever it sent, never a 400 that
     * describes the input of a route it may not use.
     */
    access?: Access
  }
}

export interface ServicesPluginOptions {
  config: Config
}

export const servicesPlugin = fp<ServicesPluginOptions>(async (app, { config }) => {
  const access = new AccessPolicy(config.REQUIRE_AUTH)
  const auth = new AuthService(withKeyCache(createApiKeyRepository(app.db.prisma), config.AUTH_CACHE_TTL_MS), access, config.ADMIN_API_KEY)
  app.decorate('auth', auth)
  const estimates = new EstimateService(app.catalog, access)
  app.decorate('estimates', estimates)
  app.decorate('configImport', new ConfigImportService(estimates, app.catalog, access))
  app.decorate('catalogReader', createCatalogReader(app.catalog, access))
  app.decorate('scenarios', new ScenarioService(createScenarioRepository(app.db.prisma), estimates, access))
  app.decorate('reports', new ReportService(createReportRepository(app.db.prisma), access))
  // The worker pool outlives requests, not the app: a listening server starts one thread at once
  // so the first recommendation does not wait for it; an app that only injects (tests, scripts)
  // starts threads with its first searches. They are terminated when the app closes, after the
  // listener has closed and in-flight requests have finished.
  const advisor = createAdvisorRunner({
    ...(config.ADVISOR_WORKERS !== undefined ? { workers: config.ADVISOR_WORKERS } : {}),
    maxQueue: config.ADVISOR_QUEUE_MAX,
    onWorkerError: (err) => app.log.error({ err }, 'advisor worker failed'),
  })
  app.decorate('advisor', advisor)
  app.addHook('onListen', async () => advisor.warm())
  app.addHook('onClose', async () => advisor.close())
  app.decorate('planning', new PlanningService(estimates, app.catalog, access, advisor))
  app.decorate('catalogAdmin', new CatalogAdminService(createCatalogAdminRepository(app.db.prisma), app.catalog, access))

  app.decorateRequest('serviceContext', null as unknown as ServiceContext)
  // Sync hooks (here and in the other plugins): an async hook costs a promise and a microtask hop on
  // every request. Without an Authorization header the actor is anonymous, no key lookup to await.
  app.addHook('onRequest', (request, _reply, done) => {
    const { authorization } = request.headers
    if (!presentsCredentials(authorization)) {
      request.serviceContext = { actor: ANONYMOUS, log: request.log }
      done()
      return
    }
    auth.authenticate(authorization).then((actor) => {
      request.serviceContext = { actor, log: request.log }
      done()
    }, done)
  })
  // A route's own onRequest hooks run after the app's, so after the one above has named the caller.
  // Routes open to everyone get no hook at all.
  app.addHook('onRoute', (route) => {
    const needed = route.config?.access
    if (needed === undefined || !access.restricts(needed)) return
    const check: onRequestHookHandler = (request, _reply, done) => {
      try {
        access.enforce(request.serviceContext, needed)
      } catch (err) {
        done(err as Error)
        return
      }
      done()
    }
    route.onRequest = [...(route.onRequest === undefined ? [] : [route.onRequest].flat()), check]
  })
}, { name: 'services', dependencies: ['database'] })
