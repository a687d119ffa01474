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

/**
 * Turns GraphQL's id/spec field pairs into REST's "id or spec" values, and remembers which pairs
 * were given as ids so that errors the services raise about REST's field (`/model`) name the
 * field the caller actually sent (`/modelId`).
 */
export class CatalogRefs {
  private readonly renames = new Map<string, string>()

  /** `base` is the JSON pointer of the object holding the pair; `specField` is REST's name for the value. */
  pick<A, B>(base: string, idField: string, id: A | undefined, specField: string, spec: B | undefined): A | B {
    if ((id === undefined) === (spec === undefined)) {
      throw new ValidationError(`${base}/${idField}`, `give exactly one of ${idField} (a catalog id) and ${specField} (an inline spec)`)
    }
    if (id !== undefined) this.renames.set(`${base}/${specField}`, `${base}/${idField}`)
    return (id ?? spec)!
  }

  /** The REST body of an EstimateInput found at `base`. */
  estimateRequest(args: EstimateInputArgs, base = ''): EstimateRequest {
    const { modelId, model, hardware, ...rest } = plain(args)
    const { gpuId, gpu, ...hw } = hardware
    return {
      ...rest,
      model: this.pick(base, 'modelId', modelId, 'model', model),
      hardware: { ...hw, gpu: this.pick(`${base}/hardware`, 'gpuId', gpuId, 'gpu', gpu) },
    }
  }

  /** Runs a service call, naming GraphQL's id fields in the errors it raises. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw this.rename(err)
    }
  }

  private rename(err: unknown): unknown {
    if (!(err instanceof AppError) || !err.errors.some((e) => this.renames.has(e.field))) return err
    const errors = err.errors.map((e) => ({ ...e, field: this.renames.get(e.field) ?? e.field }))
    return new AppError(err.code, err.status, err.message, errors)
  }
}

export const estimateResolvers: IResolvers = {
  Query: {
    estimate(_root, { input }: { input: EstimateInputArgs }, ctx) {
      const refs = new CatalogRefs()
      const request = refs.estimateRequest(input)
      return refs.call(() => ctx.app.estimates.estimate(request, ctx.service))
    },
  },
}
