// The planning questions (methods side by side, recommendations, serving, multi-phase plans,
// inverse questions) over the planning service, inputs mapped onto the REST bodies it validates.
import type { IResolvers, MercuriusLoaders } from 'mercurius'
import { withClientSignal } from '../transport/client-signal.ts'
import type {
  ComparisonRequest, CostRequest, InverseRequest, PlanRequest, RecommendationRequest, ServingRequest,
} from '../services/planning.service.ts'
import { CatalogRefs, plain, type EstimateInputArgs } from './inputs.ts'

type Inline<T> = T extends string ? never : T
type ModelSpec = Inline<ComparisonRequest['model']>
type GpuSpec = Inline<ServingRequest['gpu']>
interface ModelRef { modelId?: string; model?: ModelSpec }
interface GpuRef { gpuId?: string; gpu?: GpuSpec }

type ComparisonArgs = Omit<ComparisonRequest, 'model' | 'hardware'> & ModelRef & { hardware: Omit<ComparisonRequest['hardware'], 'gpu'> & GpuRef }
type AdvisorGpuArgs = GpuRef & { maxCount?: number; ownedUsdPerGpuHour?: number }
type RecommendationArgs = Omit<RecommendationRequest, 'model' | 'gpus'> & ModelRef & { gpus?: AdvisorGpuArgs[] }
type ServingArgs = Omit<ServingRequest, 'model' | 'gpu'> & ModelRef & GpuRef
type PlanArgs = Omit<PlanRequest, 'request'> & { request: EstimateInputArgs }
type InverseArgs = Omit<InverseRequest, 'request'> & { request: EstimateInputArgs }
type CostArgs = Omit<CostRequest, 'request'> & { request: EstimateInputArgs }

export const planningResolvers: IResolvers = {
  Query: {
    compareMethods(_root, { input }: { input: ComparisonArgs }, ctx) {
      const refs = new CatalogRefs()
      const { modelId, model, hardware: { gpuId, gpu, ...hardware }, ...rest } = plain(input)
      const body: ComparisonRequest = {
        ...rest,
        model: refs.pick('', 'modelId', modelId, 'model', model),
        hardware: { ...hardware, gpu: refs.pick('/hardware', 'gpuId', gpuId, 'gpu', gpu) },
      }
      return refs.call(() => ctx.app.planning.compare(body, ctx.service))
    },
    recommend(_root, { input }: { input: RecommendationArgs }, ctx) {
      const refs = new CatalogRefs()
      const { modelId, model, gpus, ...rest } = plain(input)
      const body: RecommendationRequest = {
        ...rest,
        model: refs.pick('', 'modelId', modelId, 'model', model),
        ...(gpus ? { gpus: gpus.map(({ gpuId, gpu, ...extra }, i) => ({ ...extra, gpu: refs.pick(`/gpus/${i}`, 'gpuId', gpuId, 'gpu', gpu) })) } : {}),
      }
      return refs.call(() => ctx.app.planning.recommend(body, withClientSignal(ctx.service, ctx.reply)))
    },
    servingPlan(_root, { input }: { input: ServingArgs }, ctx) {
      const refs = new CatalogRefs()
      const { modelId, model, gpuId, gpu, ...rest } = plain(input)
      const body: ServingRequest = { ...rest, model: refs.pick('', 'modelId', modelId, 'model', model), gpu: refs.pick('', 'gpuId', gpuId, 'gpu', gpu) }
      return refs.call(() => ctx.app.planning.serving(body, ctx.service))
    },
    trainingPlan(_root, { input }: { input: PlanArgs }, ctx) {
      const refs = new CatalogRefs()
      const { request, ...rest } = plain(input)
      const body: PlanRequest = { ...rest, request: refs.estimateRequest(request, '/request') }
      return refs.call(() => ctx.app.planning.plan(body, ctx.service))
    },
    inverseEstimate(_root, { input }: { input: InverseArgs }, ctx) {
      const refs = new CatalogRefs()
      const body: InverseRequest = { solveFor: input.solveFor, request: refs.estimateRequest(input.request, '/request') }
      return refs.call(() => ctx.app.planning.inverse(body, ctx.service))
    },
    runCost(_root, { input }: { input: CostArgs }, ctx) {
      const refs = new CatalogRefs()
      const { request, ...rest } = plain(input)
      const body: CostRequest = { ...rest, request: refs.estimateRequest(request, '/request') }
      return refs.call(() => ctx.app.planning.cost(body, ctx.service))
    },
  },
}

export const planningLoaders: MercuriusLoaders = {
  AdvisorOption: {
    /** Inline GPUs have ids like inline-0 that the catalog does not know: their gpu is null. */
    async gpu(queries: { obj: { gpuId: string } }[], ctx) {
      return ctx.app.catalogReader.findGpusByIds(queries.map(({ obj }) => obj.gpuId), ctx.service)
    },
  },
}
