// estimate(input:): the GraphQL input mapped onto the REST body (the service's input), then the
// same service call POST /v1/estimates makes.
import type { IResolvers } from 'mercurius'
import { CatalogRefs, type EstimateInputArgs } from './inputs.ts'

export const estimateResolvers: IResolvers = {
  Query: {
    estimate(_root, { input }: { input: EstimateInputArgs }, ctx) {
      const refs = new CatalogRefs()
      const request = refs.estimateRequest(input)
      return refs.call(() => ctx.app.estimates.estimate(request, ctx.service))
    },
  },
}
