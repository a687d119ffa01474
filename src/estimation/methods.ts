// What trains, what is stored and which activations the backward pass needs, per method.
// Freezing follows standard autograd behaviour (shared/reference/estimation-formulas.md §1.3):
// no backward below the lowest trainable layer, and a frozen linear needs no saved input.

import { type Architecture, isMoeLayer, linearShape, sumLayers } from './architecture.ts'
import type { LoraTarget, MethodSpec } from './types.ts'

/** Which tensors of a decoder layer in the backward region must be kept for the weight gradients. */
export interface SavedInputs {
  /** Output of the pre-attention norm = input of q/k/v. */
  attentionInput: boolean
  /** Input of o_proj. */
  outputProjInput: boolean
  /** Output of the pre-MLP norm = input of gate/up (fc for plain MLPs). */
  mlpInput: boolean
  /** Input of down_proj. */
  downInput: boolean
}

export interface TrainingPlan {
  /** Base-model weights the optimizer updates (full and freeze). */
  trainableBase: number
  /** LoRA A and B weights. */
  adapterParams: number
  /** Base weights stored quantised (QLoRA) and the bits each costs, quantisation constants included. */
  quantizedParams: number
  quantizedBits: number
  /** Lowest decoder layer the backward pass reaches; `layers` when only the head trains. */
  firstBackwardLayer: number
  /** Decoder weights at or above firstBackwardLayer that one token multiplies with. */
  backwardActiveParams: number
  /** Trainable base weights one token multiplies with (their weight-gradient matmuls; embeddings are a lookup). */
  trainableActive: number
  saved: SavedInputs
  /** Σ ranks of adapted matrices per layer, averaged over the backward region (rank-r intermediates kept). */
  loraRankPerLayer: number
  /** Σ (dIn + dOut) of the adapted matrices one token passes through per layer, averaged over the backward region. */
  loraIoPerLayer: number
  /** Σ dIn of the adapted matrices one token passes through per layer (a copy of the input each, PEFT), averaged likewise. */
  loraInputPerLayer: number
  /** The same with q, k and v adapted as one fused linear (litgpt's LoRAQKVLinear). */
  loraInputPerLayerFusedQkv: number
  /** Largest adapted or trained weight matrix in elements (a dequantised copy exists transiently in QLoRA). */
  largestMatrix: number
  headTrainable: boolean
  notes: string[]
}

const ATTENTION_TARGETS: readonly LoraTarget[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj']
const MLP_TARGETS: readonly LoraTarget[] = ['gate_proj', 'up_proj', 'down_proj']
export const ALL_LINEAR_TARGETS: readonly LoraTarget[] = [...ATTENTION_TARGETS, ...MLP_TARGETS]

/**
 * NF4 (QLoRA paper, Dettmers et al. 2023, §3): 4 bits + one fp32 absmax per block of 64 = 0.5 bit;
 * double quantisation stores the absmax in FP8 per 64 plus one fp32 per 256 blocks = 0.127 bit.
 * LLM.int8 (bitsandbytes): 8 bits + one fp32 scale per output row (32 / dIn bits, dIn ≈ hidden).
 */
export function quantizedBitsPerParam(method: MethodSpec, hidden: number): number {
  if (method.quantization === 'int8') return 8 + 32 / hidden
  return method.doubleQuantization ? 4 + 8 / 64 + 32 / (64 * 256) : 4 + 32 / 64
}

/** Top-k layers trained by a named freeze strategy, and whether the strategy also trains the head. */
function freezeLayers(method: MethodSpec, layers: number): { k: number; head: boolean; attentionOnly: boolean } {
  switch (method.strategy) {
    // Embeddings and the first half of the layers frozen; the upper half, final norm and head trained.
    case 'conservative': return { k: Math.ceil(layers / 2), head: true, attentionOnly: false }
    // Every MLP frozen; attention and norms of all layers trained.
    case 'attention-only': return { k: layers, head: false, attentionOnly: true }
    // The first 75 % of layers frozen.
    case 'aggressive': return { k: Math.ceil(layers * 0.25), head: false, attentionOnly: false }
    // Neither given: LLaMA-Factory's default freeze_trainable_layers = 2 (the last two layers).
    default: return { k: Math.min(layers, Math.max(0, Math.round(method.trainableLayers ?? 2))), head: false, attentionOnly: false }
  }
}

export function planMethod(a: Architecture, method: MethodSpec): TrainingPlan {
  const L = a.layers
  const notes: string[] = []
  const none: SavedInputs = { attentionInput: false, outputProjInput: false, mlpInput: false, downInput: false }
  const every: SavedInputs = { attentionInput: true, outputProjInput: true, mlpInput: true, downInput: true }
  const denseLargest = Math.max(a.hidden * a.qDim, a.hidden * a.denseMlpWidth)
  const base = {
    trainableBase: 0, adapterParams: 0, quantizedParams: 0, quantizedBits: 16,
    firstBackwardLayer: 0, backwardActiveParams: a.decoderActive, trainableActive: 0, saved: every,
    loraRankPerLayer: 0, loraIoPerLayer: 0, loraInputPerLayer: 0, loraInputPerLayerFusedQkv: 0, largestMatrix: denseLargest, headTrainable: false, notes,
  }

  if (method.type === 'full') {
    return { ...base, trainableBase: a.total, trainableActive: a.decoderActive + a.vocab * a.hidden, headTrainable: true }
  }

  if (method.type === 'freeze') {
    const f = freezeLayers(method, L)
    const first = L - f.k
    if (f.attentionOnly) {
      notes.push('freeze attention-only: attention and norms of every layer train, all MLPs are frozen')
      return {
        ...base,
        trainableBase: L * (a.dense.attention + a.dense.norms),
        trainableActive: L * a.dense.attention,
        saved: { attentionInput: true, outputProjInput: true, mlpInput: false, downInput: false },
      }
    }
    const head = f.head && a.lmHead > 0
    notes.push(`freeze: top ${f.k} of ${L} decoder layers train${head ? ', with the final norm and lm_head' : ''}`)
    return {
      ...base,
      trainableBase: sumLayers(a, first, L, 'total') + (head ? a.lmHead + a.finalNorm : 0),
      firstBackwardLayer: first,
      backwardActiveParams: sumLayers(a, first, L, 'active'),
      trainableActive: sumLayers(a, first, L, 'active') + (head ? a.vocab * a.hidden : 0),
      saved: f.k > 0 ? every : none,
      headTrainable: head,
    }
  }

  // LoRA / QLoRA: r·(dIn + dOut) per adapted matrix (Hu et al. 2021), per-layer ranks where given.
  const targets = method.targetModules
  let adapters = 0
  let firstAdapted = L
  let rankSum = 0
  let largest = 0
  let ioSum = 0
  let inSum = 0
  let inSumFused = 0
  // Identical layers (dense, one rank) are counted once and multiplied.
  const uniform = method.layerRanks === undefined && a.moe === null
  for (let i = 0; i < (uniform ? Math.min(1, L) : L); i++) {
    const r = method.layerRanks?.[i] ?? method.rank
    if (r <= 0) continue
    const moe = isMoeLayer(a, i)
    const times = uniform ? L : 1
    let layerRank = 0
    let qkvCounted = false
    for (const t of targets) {
      const s = linearShape(a, t, moe)
      if (s.copies === 0) continue
      adapters += times * s.copies * r * (s.dIn + s.dOut)
      // A token visits k experts (+ the shared one), not every copy.
      const visits = moe && s.copies > 1 ? a.expertsPerToken + (a.sharedExpertWidth > 0 ? 1 : 0) : s.copies
      ioSum += times * visits * (s.dIn + s.dOut)
      inSum += times * visits * s.dIn
      const qkv = t === 'q_proj' || t === 'k_proj' || t === 'v_proj'
      if (!qkv || !qkvCounted) inSumFused += times * visits * s.dIn
      if (qkv) qkvCounted = true
      layerRank += r
      largest = Math.max(largest, s.dIn * s.dOut)
    }
    if (layerRank > 0) {
      firstAdapted = Math.min(firstAdapted, i)
      rankSum += times * layerRank
    }
  }
  // PEFT adapts nn.Embedding with A of r×V and B of h×r, and lm_head like any linear.
  const embedLora = targets.includes('embed_tokens')
  const headLora = targets.includes('lm_head')
  if (embedLora) adapters += method.rank * (a.vocab + a.hidden)
  if (headLora) adapters += method.rank * (a.hidden + a.vocab)
  const first = embedLora ? 0 : firstAdapted
  const has = (t: LoraTarget) => targets.includes(t)
  const saved: SavedInputs = {
    attentionInput: has('q_proj') || has('k_proj') || has('v_proj'),
    outputProjInput: has('o_proj'),
    mlpInput: has('gate_proj') || has('up_proj'),
    downInput: has('down_proj'),
  }
  const plan: TrainingPlan = {
    ...base,
    adapterParams: adapters,
    firstBackwardLayer: first,
    backwardActiveParams: sumLayers(a, Math.min(first, L), L, 'active'),
    saved,
    loraRankPerLayer: first < L ? rankSum / (L - first) : 0,
    loraIoPerLayer: first < L ? ioSum / (L - first) : 0,
    loraInputPerLayer: first < L ? inSum / (L - first) : 0,
    loraInputPerLayerFusedQkv: first < L ? inSumFused / (L - first) : 0,
    largestMatrix: largest || denseLargest,
  }
  if (method.type === 'qlora') {
    // bitsandbytes quantises every decoder nn.Linear; embeddings, norms and lm_head stay 16-bit.
    const attentionWeights = 2 * a.hidden * (a.qDim + a.kvDim)
    plan.quantizedParams = (L - a.moeLayerCount) * (attentionWeights + a.dense.mlp)
      + (a.moe ? a.moeLayerCount * (attentionWeights + a.moe.mlp) : 0)
    plan.quantizedBits = quantizedBitsPerParam(method, a.hidden)
    notes.push(`qlora: ${method.quantization}${method.quantization === 'nf4' && method.doubleQuantization ? ' with double quantisation' : ''} = ${plan.quantizedBits.toFixed(3)} bits per decoder linear weight; embeddings, norms and lm_head stay 16-bit`)
  }
  return plan
}
