// Semantic checks a JSON schema cannot express (divisibility, cross-field limits), so that the
// transports can answer 400 naming the field instead of letting the physics divide by zero.

import { frameworkProblems } from './stacks.ts'
import type { EstimateInput } from './types.ts'

export interface InputProblem {
  /** Dotted path in the request, e.g. "model.numKeyValueHeads". */
  field: string
  message: string
}

const positiveInt = (x: unknown) => Number.isInteger(x) && (x as number) > 0
const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0

export function validateInput(input: EstimateInput): InputProblem[] {
  const p: InputProblem[] = []
  const bad = (field: string, message: string) => p.push({ field, message })
  const m = input.model
  for (const k of ['hiddenSize', 'intermediateSize', 'numLayers', 'numAttentionHeads', 'numKeyValueHeads', 'vocabSize'] as const) {
    if (!positiveInt(m[k])) bad(`model.${k}`, 'must be a positive integer')
  }
  if (positiveInt(m.numAttentionHeads) && positiveInt(m.numKeyValueHeads) && m.numAttentionHeads % m.numKeyValueHeads !== 0) {
    bad('model.numKeyValueHeads', `must divide numAttentionHeads (${m.numAttentionHeads})`)
  }
  if (m.headDim !== undefined && !positiveInt(m.headDim)) bad('model.headDim', 'must be a positive integer')
  if (m.headDim === undefined && positiveInt(m.numAttentionHeads) && m.hiddenSize % m.numAttentionHeads !== 0) {
    bad('model.headDim', `required when hiddenSize (${m.hiddenSize}) is not a multiple of numAttentionHeads (${m.numAttentionHeads})`)
  }
  if (m.numExperts !== undefined && m.numExperts > 1) {
    if (!positiveInt(m.expertsPerToken) || m.expertsPerToken! > m.numExperts) bad('model.expertsPerToken', `must be an integer in 1..numExperts (${m.numExperts})`)
    if (m.moeIntermediateSize !== undefined && !positiveInt(m.moeIntermediateSize)) bad('model.moeIntermediateSize', 'must be a positive integer')
  }
  const me = input.method
  if (me.type === 'lora' || me.type === 'qlora') {
    if (!positiveInt(me.rank)) bad('method.rank', 'must be a positive integer')
    if (me.targetModules.length === 0) bad('method.targetModules', 'must name at least one module')
    if (me.layerRanks !== undefined) {
      if (me.layerRanks.length > m.numLayers) bad('method.layerRanks', `has ${me.layerRanks.length} entries for ${m.numLayers} layers`)
      if (me.layerRanks.some((r) => !Number.isInteger(r) || r < 0)) bad('method.layerRanks', 'entries must be integers ≥ 0')
    }
  }
  if (me.type === 'freeze' && me.strategy === undefined && me.trainableLayers !== undefined && (!Number.isInteger(me.trainableLayers) || me.trainableLayers < 0)) {
    bad('method.trainableLayers', 'must be an integer ≥ 0')
  }
  const t = input.training
  for (const k of ['microBatchSize', 'sequenceLength', 'gradientAccumulationSteps'] as const) {
    if (!positiveInt(t[k])) bad(`training.${k}`, 'must be a positive integer')
  }
  if (!positive(t.epochs)) bad('training.epochs', 'must be positive')
  if (t.datasetTokens !== undefined && !(t.datasetTokens >= 0)) bad('training.datasetTokens', 'must be ≥ 0')
  const h = input.hardware
  if (!positiveInt(h.count)) bad('hardware.count', 'must be a positive integer')
  for (const k of ['memoryGiB', 'bf16Tflops', 'memoryBandwidthTBps'] as const) {
    if (!positive(h.gpu[k])) bad(`hardware.gpu.${k}`, 'must be a positive number')
  }
  if (h.gpusPerNode !== undefined && !positiveInt(h.gpusPerNode)) bad('hardware.gpusPerNode', 'must be a positive integer')
  if (h.networkGBps !== undefined && !positive(h.networkGBps)) bad('hardware.networkGBps', 'must be a positive number')
  if (h.offload === 'optimizer-and-params' && h.sharding !== 'zero3' && h.sharding !== 'fsdp') {
    bad('hardware.offload', 'offloading parameters needs sharding zero3 or fsdp (DeepSpeed offload_param, FSDP cpu_offload)')
  }
  for (const problem of frameworkProblems(t.framework)) bad(problem.field, problem.message)
  if (t.weightsDtype === 'fp32' && (t.precision === 'bf16' || t.precision === 'fp16')) {
    bad('training.weightsDtype', `fp32 weights with ${t.precision} compute is ${t.precision}-mixed (autocast); pure ${t.precision} stores 16-bit weights`)
  }
  if (t.weightsDtype !== undefined && t.weightsDtype !== 'fp32' && t.precision === 'fp32') {
    bad('training.weightsDtype', `${t.weightsDtype} weights cannot train in fp32 precision; use ${t.weightsDtype}-mixed or ${t.weightsDtype}`)
  }
  if (input.pricing?.usdPerGpuHour !== undefined && !(input.pricing.usdPerGpuHour >= 0)) bad('pricing.usdPerGpuHour', 'must be ≥ 0')
  return p
}
