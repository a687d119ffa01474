// The formulas of other estimators, transcribed from shared/reference/estimation-formulas.md §1.5,
// so that calibration can compare our error with theirs on the same measured runs. They are kept
// out of src/estimation on purpose: they are yardsticks, not part of the engine.

import type { EstimateInput } from '../src/estimation/types.ts'

export interface PeerPrediction {
  /** Bytes the peer says one GPU needs (null: the peer cannot answer this request). */
  memoryBytes: number | null
  /** Bytes of that figure the peer attributes to memory outside PyTorch's allocator. */
  overheadBytes: number
  tokensPerSecond: number | null
}

export interface Peer {
  name: string
  predict(input: EstimateInput): PeerPrediction
}

/** Parameters as the peers count them: every weight once (tied embeddings once), from the config. */
function totalParams(i: EstimateInput): number {
  const m = i.model
  const h = m.hiddenSize
  const d = m.headDim ?? h / m.numAttentionHeads
  const attn = 2 * h * m.numAttentionHeads * d + 2 * h * m.numKeyValueHeads * d
  const mlp = (m.mlp === 'standard' ? 2 : 3) * h * (m.numExperts ? m.numExperts * (m.moeIntermediateSize ?? m.intermediateSize) : m.intermediateSize)
  return m.numLayers * (attn + mlp + 2 * h) + m.vocabSize * h * (m.tieWordEmbeddings ? 1 : 2) + h
}

/**
 * HF Accelerate `estimate-memory`, "Training using Adam" (accelerate@16cb6eb8): the max of its
 * components = 2 × fp32 size for float16/bfloat16 (8 B/param), 4 × fp32 size for float32 (16 B/param).
 * No activations, no PEFT, no sharding.
 */
export const accelerate: Peer = {
  name: 'accelerate',
  predict(i) {
    const p = totalParams(i)
    return { memoryBytes: p * (i.training.precision === 'fp32' ? 16 : 8), overheadBytes: 0, tokensPerSecond: null }
  },
}

/**
 * DeepSpeed `estimate_zero2_model_states_mem_needs` / `estimate_zero3_model_states_mem_needs`
 * (DeepSpeed@38327e07), model states only, counting frozen parameters too. Requests without
 * ZeRO-3 use the ZeRO-2 estimator (the closest DeepSpeed offers; there is no ZeRO-0/1 one).
 */
export const deepspeed: Peer = {
  name: 'deepspeed',
  predict(i) {
    const p = totalParams(i)
    const n = i.hardware.count
    const m = i.model
    const largest = m.numLayers > 0 ? (p - m.vocabSize * m.hiddenSize * (m.tieWordEmbeddings ? 1 : 2)) / m.numLayers : p
    const offload = i.hardware.offload !== 'none'
    let gpu: number
    if (i.hardware.sharding === 'zero3' || i.hardware.sharding === 'fsdp') {
      const layerMem = 4 * largest
      if (i.hardware.offload === 'optimizer-and-params') gpu = layerMem
      else if (offload) gpu = layerMem + (2 * p) / n
      else gpu = layerMem + (18 * p) / n
    } else {
      gpu = offload ? 2 * p : 2 * p + (18 * p) / n
    }
    return { memoryBytes: gpu, overheadBytes: 0, tokensPerSecond: null }
  },
}

/** gpu_poor's TFLOPs table (src/gpu_config.json; non-tensor-core figures), else fp32 ≈ bf16 tensor / 16. */
function gpuPoorTflops(name: string, bf16: number): number {
  if (/A100/.test(name)) return 19.5
  if (/H100/.test(name)) return 51.7
  if (/4090/.test(name)) return 82.58
  if (/3090/.test(name)) return 16.3
  return bf16 / 16
}

/**
 * gpu_poor (RahulSChand/gpu_poor@ad2fc0ef src/App.js), training mode, in MB = 1024² bytes:
 * model + grad/optimizer + activations (no FlashAttention, ×0.15 with checkpointing) + 650 MB;
 * time = (2·B·T·P + T·h·2·L·B) × 2 × 1.15 (Adam) × bnb factor × 3 (full) ÷ (TFLOPs × 0.85) × 1.65 (GC).
 */
export const gpuPoor: Peer = {
  name: 'gpu_poor',
  predict(i) {
    const m = i.model
    const h = m.hiddenSize
    const L = m.numLayers
    const I = m.intermediateSize
    const a = m.numAttentionHeads
    const s = i.training.sequenceLength
    const b = i.training.microBatchSize
    const fB = 2
    const MB = 1024 * 1024
    const p = m.vocabSize * h * 2 + L * 4 * h * h + L * 3 * I * h
    const type = i.method.type === 'freeze' ? 'full' : i.method.type
    let model = (p * 2) / MB
    if (type === 'qlora') model = (p * 2) / MB / 4 - (p * 2) / (64 * MB)
    if (type === 'qlora') model += (p * 2 * 0.06) / MB
    const attn = 3 * s * h * fB + 2 * s * h * fB + s * s * a * fB + s * s * a * 4 + s * s * a * fB + 3 * s * h * fB
    const ffn = 2 * h * s * fB + 5 * s * I * fB + I * s * fB
    const norm = s * 4 * 2 + 6 * s * h * fB
    let act = ((attn + ffn + norm) * L * b) / MB
    if (i.training.gradientCheckpointing) act *= 0.15
    const adam = i.training.optimizer !== 'sgd'
    let gradOpt: number
    if (type === 'full') gradOpt = (adam ? p * 3 * fB : p * fB) / MB
    else if (type === 'lora') gradOpt = (adam ? L * 8 * h * 2 * 4 * 3 * 2 : L * 8 * h * 2 * 4 * 2) / MB
    else gradOpt = (L * 8 * h * 0.5 * 4 * 3 + 0.75 * (15 * h + 6 * I) * L * 50 * Math.sqrt(s / 50) * b) / MB
    const overhead = 650
    const flops = (2 * b * s * p + s * h * 2 * L * b) * 2 * (adam ? 1.15 : 1) * (type === 'qlora' ? 1.75 : 1) * (type === 'full' ? 3 : 1)
    let seconds = flops / (gpuPoorTflops(i.hardware.gpu.name, i.hardware.gpu.bf16Tflops) * 1e12 * 0.85)
    if (i.training.gradientCheckpointing) seconds *= 1.65
    return {
      memoryBytes: (model + gradOpt + act + overhead) * MB,
      overheadBytes: overhead * MB,
      tokensPerSecond: (b * s * i.hardware.count) / seconds,
    }
  },
}

/**
 * LLaMA-Factory README "Hardware Requirement" (hiyouga/LLaMA-Factory@ff6d4d12), GB per billion
 * parameters x: full mixed 18x, full pure bf16 8x, freeze/LoRA 2x, QLoRA 8-bit x, 4-bit x/2.
 */
export const llamaFactory: Peer = {
  name: 'llama-factory',
  predict(i) {
    const x = totalParams(i) / 1e9
    const t = i.method.type
    const perX = t === 'full'
      ? (i.training.precision.endsWith('-mixed') || i.training.precision === 'fp32' ? 18 : 8)
      : t === 'qlora' ? (i.method.quantization === 'int8' ? 1 : 0.5) : 2
    return { memoryBytes: perX * x * 1e9, overheadBytes: 0, tokensPerSecond: null }
  },
}

/**
 * Transformer Math 101's C = 6PD at the 0.5 utilisation llm-analysis quotes for large-scale
 * training (shared/reference/estimation-formulas.md §1.4): the usual back-of-envelope for speed.
 */
export const sixPD: Peer = {
  name: '6PD@50%',
  predict(i) {
    const p = totalParams(i)
    const peak = i.hardware.gpu.bf16Tflops * 1e12
    return { memoryBytes: null, overheadBytes: 0, tokensPerSecond: (0.5 * peak * i.hardware.count) / (6 * p) }
  },
}

export const PEERS: Peer[] = [accelerate, deepspeed, gpuPoor, llamaFactory, sixPD]
