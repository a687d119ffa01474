// Every route plugin of the service, in one list: adding a transport or resource is one line here.
import type { FastifyInstance } from 'fastify'
import { catalogAdminRoutes } from './catalog-admin.routes.ts'
import { catalogRoutes } from './catalog.routes.ts'
import { estimateRoutes } from './estimate.routes.ts'
import { healthRoutes } from './health.routes.ts'
import { keyRoutes } from './key.routes.ts'
import { planningRoutes } from './planning.routes.ts'
import { reportRoutes } from './report.routes.ts'
import { scenarioRoutes } from './scenario.routes.ts'

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes)
  await app.register(catalogRoutes)
  await app.register(catalogAdminRoutes)
  await app.register(estimateRoutes)
  await app.register(planningRoutes)
  await app.register(scenarioRoutes)
  await app.register(reportRoutes)
  await app.register(keyRoutes)
}
