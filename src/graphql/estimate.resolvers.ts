// estimate(input:) and estimateSweep(input:): the GraphQL input mapped onto the REST body (the
// service's input), then the same service call POST /v1/estimates (/sweep) makes.
import type { IResolvers } from 'mercurius'
import type { SweepRequest } from '../services/estimate.service.ts'
import { CatalogRefs, plain, type EstimateInputArgs } from './inputs.ts'

export const estimateResolvers: IResolvers = {
  Query: {
    estimate(_root, { input }: { input: EstimateInputArgs }, ctx) {
      const refs = new CatalogRefs()
      const request = refs.estimateRequest(input)
      return refs.call(() => ctx.app.estimates.estimate(request, ctx.service))
    },
    estimateSweep(_root, { input }: { input: { request: EstimateInputArgs; vary: SweepRequest['vary'] } }, ctx) {
      const refs = new CatalogRefs()
      const body: SweepRequest = { request: refs.estimateRequest(input.request, '/request'), vary: plain(input.vary) }
      return refs.call(() => ctx.app.estimates.sweep(body, ctx.service))
    },
  },
}
