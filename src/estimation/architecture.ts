// Parameter counts per module and per decoder layer, from the fields of a config.json.
// Conventions (checked against params_total_computed of all 32 models in
// shared/reference/catalog-data.json, e.g. Llama-2-7B = 6,738,415,616):
// q,k,v,o without bias unless attentionBias (q,k,v only); RMSNorm weights of hiddenSize;
// gated MLP = 3·h·I, plain MLP = 2·h·I; MoE = experts × MLP + router h·E (+ shared expert);
// embeddings V·h, plus an untied lm_head V·h, plus the final norm h.

import type { LoraTarget, ModelSpec } from './types.ts'

export interface LayerParams {
  attention: number
  /** All MLP weights of the layer (every expert, router, shared expert). */
  mlp: number
  /** MLP weights one token passes through (k experts, router, shared expert). */
  mlpActive: number
  norms: number
  total: number
  active: number
}

export interface Architecture {
  hidden: number
  layers: number
  vocab: number
  heads: number
  headDim: number
  /** Width of the query / attention output (heads × headDim) and of keys/values (kvHeads × headDim). */
  qDim: number
  kvDim: number
  /** MLP matrices per expert: 3 (gated) or 2 (plain). */
  mlpMatrices: number
  /** MLP width one token activates in a dense / MoE layer (k experts + shared expert). */
  denseMlpWidth: number
  moeMlpWidth: number
  embedding: number
  lmHead: number
  finalNorm: number
  dense: LayerParams
  moe: LayerParams | null
  moeLayerCount: number
  moeLayerStep: number
  numExperts: number
  expertsPerToken: number
  expertWidth: number
  sharedExpertWidth: number
  /** Everything stored. */
  total: number
  /** Total minus the experts a token does not visit (the catalog's params_active convention). */
  active: number
  /** Decoder weights one token multiplies with (k experts). */
  decoderActive: number
  /** Weights of the decoder layers only. */
  decoderTotal: number
  /** The largest decoder layer: the unit ZeRO-3 / FSDP gathers at once. */
  largestLayer: number
}

function layer(attention: number, mlp: number, mlpActive: number, norms: number): LayerParams {
  return { attention, mlp, mlpActive, norms, total: attention + mlp + norms, active: attention + mlpActive + norms }
}

export function describeArchitecture(m: ModelSpec): Architecture {
  const h = m.hiddenSize
  const headDim = m.headDim ?? h / m.numAttentionHeads
  const qDim = m.numAttentionHeads * headDim
  const kvDim = m.numKeyValueHeads * headDim
  const attention = 2 * h * qDim + 2 * h * kvDim
    + (m.attentionBias ? qDim + 2 * kvDim : 0)
    + (m.qkNorm ? 2 * headDim : 0)
  const norms = (m.normsPerLayer ?? 2) * h
  const mlpMatrices = m.mlp === 'standard' ? 2 : 3
  const dense = layer(attention, mlpMatrices * h * m.intermediateSize, mlpMatrices * h * m.intermediateSize, norms)

  const experts = m.numExperts ?? 0
  const step = m.moeLayerStep ?? 1
  let moe: LayerParams | null = null
  let moeLayerCount = 0
  const expertWidth = m.moeIntermediateSize ?? m.intermediateSize
  const sharedWidth = m.sharedExpertIntermediateSize ?? 0
  const k = m.expertsPerToken ?? 1
  if (experts > 1) {
    const perExpert = mlpMatrices * h * expertWidth
    const shared = mlpMatrices * h * sharedWidth
    const router = h * experts
    moe = layer(attention, experts * perExpert + shared + router, k * perExpert + shared + router, norms)
    moeLayerCount = Math.floor(m.numLayers / step)
  }
  const denseCount = m.numLayers - moeLayerCount
  const decoderTotal = denseCount * dense.total + (moe ? moeLayerCount * moe.total : 0)
  const decoderActive = denseCount * dense.active + (moe ? moeLayerCount * moe.active : 0)
  const embedding = m.vocabSize * h
  const lmHead = m.tieWordEmbeddings ? 0 : m.vocabSize * h
  return {
    hidden: h,
    layers: m.numLayers,
    vocab: m.vocabSize,
    heads: m.numAttentionHeads,
    headDim,
    qDim,
    kvDim,
    mlpMatrices,
    denseMlpWidth: m.intermediateSize,
    moeMlpWidth: k * expertWidth + sharedWidth,
    embedding,
    lmHead,
    finalNorm: h,
    dense,
    moe,
    moeLayerCount,
    moeLayerStep: step,
    numExperts: experts,
    expertsPerToken: experts > 1 ? k : 0,
    expertWidth,
    sharedExpertWidth: sharedWidth,
    total: embedding + lmHead + h + decoderTotal,
    active: embedding + lmHead + h + decoderActive,
    decoderActive,
    decoderTotal,
    largestLayer: Math.max(dense.total, moe ? moe.total : 0),
  }
}

/** HF Llama 4: `moe_layers = range(step - 1, L, step)`. */
export function isMoeLayer(a: Architecture, i: number): boolean {
  return a.moe !== null && (i + 1) % a.moeLayerStep === 0
}

export function layerParams(a: Architecture, i: number): LayerParams {
  return isMoeLayer(a, i) ? a.moe! : a.dense
}

/** Sum of layerParams(i)[key] over layers [from, to). */
export function sumLayers(a: Architecture, from: number, to: number, key: keyof LayerParams): number {
  if (a.moe === null) return (to - from) * a.dense[key]
  let s = 0
  for (let i = from; i < to; i++) s += layerParams(a, i)[key]
  return s
}

/**
 * Shape [dIn, dOut] of an adaptable linear and how many copies one decoder layer has of it
 * (MoE: every expert carries its own gate/up/down, plus the shared expert).
 * Plain MLPs have no gate_proj: it has zero copies there.
 */
export function linearShape(a: Architecture, target: LoraTarget, moeLayer: boolean): { dIn: number; dOut: number; copies: number } {
  const h = a.hidden
  const mlpWidth = moeLayer ? a.expertWidth : a.denseMlpWidth
  const mlpCopies = moeLayer ? a.numExperts + (a.sharedExpertWidth > 0 ? 1 : 0) : 1
  switch (target) {
    case 'q_proj': return { dIn: h, dOut: a.qDim, copies: 1 }
    case 'k_proj':
    case 'v_proj': return { dIn: h, dOut: a.kvDim, copies: 1 }
    case 'o_proj': return { dIn: a.qDim, dOut: h, copies: 1 }
    case 'gate_proj': return { dIn: h, dOut: mlpWidth, copies: a.mlpMatrices === 3 ? mlpCopies : 0 }
    case 'up_proj': return { dIn: h, dOut: mlpWidth, copies: mlpCopies }
    case 'down_proj': return { dIn: mlpWidth, dOut: h, copies: mlpCopies }
    case 'embed_tokens': return { dIn: a.vocab, dOut: h, copies: 0 }
    case 'lm_head': return { dIn: h, dOut: a.vocab, copies: 0 }
  }
}

/** A Hugging Face config.json (snake_case) as found in shared/reference/catalog-data.json. */
export interface HfConfig {
  name?: string
  hidden_size: number
  intermediate_size: number
  num_hidden_layers: number
  num_attention_heads: number
  num_key_value_heads?: number | null
  head_dim?: number | null
  vocab_size: number
  tie_word_embeddings?: boolean | null
  arch?: string
  qkv_bias?: boolean | null
  qk_norm?: boolean | null
  num_experts?: number | null
  num_local_experts?: number | null
  num_experts_per_tok?: number | null
  moe_intermediate_size?: number | null
  intermediate_size_mlp?: number | null
  interleave_moe_layer_step?: number | null
  shared_expert?: boolean | null
}

/** Maps a config.json onto the engine's ModelSpec, including the family quirks the counts depend on. */
export function modelSpecFromHfConfig(c: HfConfig): ModelSpec {
  const experts = c.num_experts ?? c.num_local_experts ?? undefined
  const spec: ModelSpec = {
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads: c.num_key_value_heads ?? c.num_attention_heads,
    vocabSize: c.vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
  }
  if (c.name !== undefined) spec.name = c.name
  if (c.head_dim) spec.headDim = c.head_dim
  if (c.qkv_bias) spec.attentionBias = true
  if (c.qk_norm) spec.qkNorm = true
  // Gemma 2 normalises before and after both attention and MLP (4 RMSNorms per layer).
  if (c.arch === 'gemma2') spec.normsPerLayer = 4
  if (experts && experts > 1) {
    spec.numExperts = experts
    spec.expertsPerToken = c.num_experts_per_tok ?? 1
    if (c.intermediate_size_mlp) {
      // Llama 4: intermediate_size is the expert (and shared expert) width, intermediate_size_mlp the dense layers'.
      spec.moeIntermediateSize = c.intermediate_size
      spec.intermediateSize = c.intermediate_size_mlp
    } else {
      spec.moeIntermediateSize = c.moe_intermediate_size ?? c.intermediate_size
    }
    if (c.shared_expert) spec.sharedExpertIntermediateSize = c.intermediate_size
    if (c.interleave_moe_layer_step && c.interleave_moe_layer_step > 1) spec.moeLayerStep = c.interleave_moe_layer_step
  }
  return spec
}
