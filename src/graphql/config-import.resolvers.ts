// estimateFromConfig(input:): the GraphQL input mapped onto POST /v1/estimates/from-config's body,
// then the same service call. REST's "catalog id or inline spec" fields come as optional pairs here.
import type { IResolvers } from 'mercurius'
import { ValidationError } from '../contract/errors.ts'
import type { ConfigImportRequest } from '../services/config-import/config-import.service.ts'
import { CatalogRefs, plain } from './inputs.ts'

type Fields = Record<string, unknown>

/** At most one of a pair; none is fine here (the service says when the value is needed). */
function optionalPair(refs: CatalogRefs, base: string, idField: string, id: unknown, specField: string, spec: unknown): unknown {
  if (id === undefined && spec === undefined) return undefined
  if (id !== undefined && spec !== undefined) throw new ValidationError(`${base}/${idField}`, `give at most one of ${idField} and ${specField}`)
  return refs.pick(base, idField, id, specField, spec)
}

/** A hardware override with its gpuId / gpu pair folded into REST's gpu. */
function hardwareOf(refs: CatalogRefs, base: string, input: Fields | undefined): Fields | undefined {
  if (!input) return undefined
  const { gpuId, gpu, ...rest } = input
  const picked = optionalPair(refs, base, 'gpuId', gpuId, 'gpu', gpu)
  return picked === undefined ? rest : { ...rest, gpu: picked }
}

export const configImportResolvers: IResolvers = {
  Query: {
    estimateFromConfig(_root, { input }: { input: Fields }, ctx) {
      const refs = new CatalogRefs()
      const { modelId, model, hardware, overrides, ...rest } = plain(input) as Fields
      const body: Fields = { ...rest }
      const pickedModel = optionalPair(refs, '', 'modelId', modelId, 'model', model)
      if (pickedModel !== undefined) body.model = pickedModel
      const hw = hardwareOf(refs, '/hardware', hardware as Fields | undefined)
      if (hw) body.hardware = hw
      if (overrides) {
        const { modelId: oid, model: omodel, hardware: ohw, ...orest } = overrides as Fields
        const o: Fields = { ...orest }
        const m = optionalPair(refs, '/overrides', 'modelId', oid, 'model', omodel)
        if (m !== undefined) o.model = m
        const h = hardwareOf(refs, '/overrides/hardware', ohw as Fields | undefined)
        if (h) o.hardware = h
        body.overrides = o
      }
      return refs.call(() => ctx.app.configImport.estimate(body as unknown as ConfigImportRequest, ctx.service))
    },
  },
}
