// estimate(input:): the GraphQL input mapped onto the REST body (the service's input), then the
// same service call POST /v1/estimates makes. Only the shape differs: REST's "catalog id or
// inline spec" unions are two alternative fields here, exactly one of which is given.
import type { IResolvers } from 'mercurius'
import { AppError, ValidationError } from '../errors.ts'
import type { EstimateRequest } from '../services/estimate.service.ts'
import { plain } from './connections.ts'

type Inline<T> = T extends string ? never : T
type GpuBody = Inline<EstimateRequest['hardware']['gpu']>
type ModelBody = Inline<EstimateRequest['model']>

export interface EstimateInputArgs extends Omit<EstimateRequest, 'model' | 'hardware'> {
  modelId?: string
  model?: ModelBody
  hardware: Omit<EstimateRequest['hardware'], 'gpu'> & { gpuId?: string; gpu?: GpuBody }
}

function exactlyOne<A, B>(base: string, idField: string, id: A | undefined, specField: string, spec: B | undefined): A | B {
  if ((id === undefined) === (spec === undefined)) {
    throw new ValidationError(`${base}/${idField}`, `give exactly one of ${idField} (a catalog id) and ${specField} (an inline spec)`)
  }
  return (id ?? spec)!
}

/** The REST body for a GraphQL EstimateInput. */
export function toEstimateRequest(args: EstimateInputArgs): EstimateRequest {
  const { modelId, model, hardware, ...rest } = plain(args)
  const { gpuId, gpu, ...hw } = hardware
  return {
    ...rest,
    model: exactlyOne('', 'modelId', modelId, 'model', model),
    hardware: { ...hw, gpu: exactlyOne('/hardware', 'gpuId', gpuId, 'gpu', gpu) },
  }
}

/** The service names REST's fields; where GraphQL gave an id, name the id field instead. */
export function renameIdFields(err: unknown, request: EstimateRequest, base = ''): unknown {
  if (!(err instanceof AppError)) return err
  const rename: Record<string, string> = {}
  if (typeof request.model === 'string') rename[`${base}/model`] = `${base}/modelId`
  if (typeof request.hardware.gpu === 'string') rename[`${base}/hardware/gpu`] = `${base}/hardware/gpuId`
  if (!err.errors.some((e) => rename[e.field])) return err
  const errors = err.errors.map((e) => ({ ...e, field: rename[e.field] ?? e.field }))
  return new AppError(err.code, err.status, err.message, errors)
}

export const estimateResolvers: IResolvers = {
  Query: {
    async estimate(_root, { input }: { input: EstimateInputArgs }, ctx) {
      const request = toEstimateRequest(input)
      try {
        return await ctx.app.estimates.estimate(request, ctx.service)
      } catch (err) {
        throw renameIdFields(err, request)
      }
    },
  },
}
