// torchtune recipe configs (pytorch/torchtune, recipes/configs/**.yaml): the model builder named by
// model._component_ (lora_llama3_1_8b, qlora_…, llama3_1_8b) and its LoRA arguments, the tokenizer's
// max_seq_len, packing, batch and accumulation, the optimizer and loss components, activation
// checkpointing and offloading, compile, dtype, FSDP CPU offload.
import type { ConfigReader } from './config-document.ts'
import { readLearningRate } from './hf-trainer.ts'
import type { Implied } from './implied-request.ts'
import { loraTargets, type LoraTarget, type Optimizer } from './vocabulary.ts'

const SRC = 'pytorch/torchtune@v0.6.1'

/** Optimizer components torchtune configs name, by class path. */
const OPTIMIZERS: Readonly<Record<string, Optimizer>> = {
  'torch.optim.adamw': 'adamw',
  'torch.optim.adam': 'adamw',
  'torch.optim.sgd': 'sgd',
  'bitsandbytes.optim.adamw8bit': 'adamw-8bit',
  'bitsandbytes.optim.pagedadamw8bit': 'paged-adamw-8bit',
  'bitsandbytes.optim.pagedadamw': 'paged-adamw',
  'bitsandbytes.optim.pagedadamw32bit': 'paged-adamw',
  'torchao.optim.adamw8bit': 'adamw-8bit',
  'torchao.prototype.low_bit_optim.adamw8bit': 'adamw-8bit',
}

const LOSSES: Readonly<Record<string, ['fp32' | 'chunked' | 'fused', string]>> = {
  'torchtune.modules.loss.cewithchunkedoutputloss': ['chunked', 'logits whole, cross-entropy per chunk, each chunk upcast'],
  'torchtune.modules.loss.linearcrossentropyloss': ['fused', 'the output projection and cross-entropy run chunk by chunk: the logits are never whole'],
  'torch.nn.crossentropyloss': ['fp32', 'the whole logits upcast to fp32'],
}

/**
 * A builder's catalog id: lora_llama3_1_8b → llama-3.1-8b, qlora_qwen2_5_7b_instruct → qwen2.5-7b,
 * qwen3_0_6b_base → qwen3-0.6b. Null for families the catalog names otherwise or not at all.
 */
export function catalogIdOfBuilder(builder: string): string | null {
  const name = builder.replace(/^q?lora_/, '')
  const sized = (s: string) => s.replace(/(\d)_(\d)/g, '$1.$2').replace(/_/g, '-')
  let m: RegExpExecArray | null
  if ((m = /^llama2_(\d+b)$/.exec(name))) return `llama-2-${m[1]}`
  if ((m = /^llama3_([1-3])_(\d+b)$/.exec(name))) return `llama-3.${m[1]}-${m[2]}`
  if ((m = /^qwen2_5_(.+?)(?:_base|_instruct)?$/.exec(name))) return `qwen2.5-${sized(m[1]!)}`
  if ((m = /^qwen3_(.+?)(?:_base|_instruct)?$/.exec(name))) return `qwen3-${sized(m[1]!)}`
  if ((m = /^gemma2_(\d+b)$/.exec(name))) return `gemma-2-${m[1]}`
  if (name === 'mistral_7b') return 'mistral-7b-v0.1'
  if (name === 'phi3_mini') return 'phi-3-mini-4k-instruct'
  return null
}

export function mapTorchtune(r: ConfigReader, out: Implied): void {
  out.multiGpuSharding = { sharding: 'fsdp', note: 'several GPUs: torchtune\'s distributed recipes shard with FSDP2' }
  readModel(r, out)
  readTraining(r, out)
  const nproc = r.int('nproc_per_node') ?? r.int('nproc')
  if (nproc !== undefined) out.count = { value: nproc, origin: { reader: r, path: r.has('nproc_per_node') ? 'nproc_per_node' : 'nproc' } }
}

function readModel(r: ConfigReader, out: Implied): void {
  const component = r.str('model._component_')
  if (component === undefined) return r.fail(['model'], 'needs model._component_, the model builder (e.g. torchtune.models.llama3_1.lora_llama3_1_8b)')
  const builder = component.split('.').at(-1)!
  const id = catalogIdOfBuilder(builder)
  out.model = id
    ? { name: id, origin: { reader: r, path: 'model._component_' }, note: `builder ${builder}` }
    : null
  // A checkpoint directory named after its repository (/tmp/Meta-Llama-3.1-8B-Instruct/) is the fallback.
  const dir = r.str('checkpointer.checkpoint_dir')
  if (!out.model && dir) out.model = { name: dir, origin: { reader: r, path: 'checkpointer.checkpoint_dir' }, note: 'matched by the checkpoint directory\'s name' }
  if (!out.model) out.modelCandidates.push(builder)

  const lora = /^q?lora_/.test(builder)
  const qlora = builder.startsWith('qlora_') || r.bool('model.quantize_base') === true
  if (!lora) {
    out.set(r, 'model._component_', '/method/type', 'full', `${builder}: no LoRA, every weight trains`)
    for (const key of ['lora_attn_modules', 'apply_lora_to_mlp', 'apply_lora_to_output', 'lora_rank', 'lora_alpha', 'lora_dropout']) {
      if (r.has(`model.${key}`)) r.fail([`model.${key}`, 'model._component_'], `is a LoRA argument, but ${builder} builds no LoRA model`)
    }
    return
  }
  if (qlora) {
    out.set(r, builder.startsWith('qlora_') ? 'model._component_' : 'model.quantize_base', '/method/type', 'qlora')
    out.set(r, builder.startsWith('qlora_') ? 'model._component_' : 'model.quantize_base', '/method/quantization', 'nf4', 'torchao NF4 base weights')
    out.toolDefault('/method/doubleQuantization', true, `${SRC}:torchtune/modules/low_precision/nf4_linear.py (torchao NF4Tensor quantizes its block scalers again)`)
  } else {
    out.set(r, 'model._component_', '/method/type', 'lora')
  }
  const targets = new Set<LoraTarget>()
  const attention = r.list('model.lora_attn_modules')
  if (attention) for (const t of loraTargets(r, 'model.lora_attn_modules', attention)) targets.add(t)
  const mlp = r.bool('model.apply_lora_to_mlp') === true
  if (mlp) for (const t of ['gate_proj', 'up_proj', 'down_proj'] as const) targets.add(t)
  const output = r.bool('model.apply_lora_to_output') === true
  if (output) targets.add('lm_head')
  if (targets.size === 0) r.fail(['model.lora_attn_modules'], 'names no module to adapt')
  const parts = [attention ? 'lora_attn_modules' : null, mlp ? 'apply_lora_to_mlp: w1, w2, w3 are gate_proj, down_proj, up_proj' : null, output ? 'apply_lora_to_output: the output projection (lm_head)' : null]
  out.set(r, attention ? 'model.lora_attn_modules' : 'model.apply_lora_to_mlp', '/method/targetModules', [...targets], parts.filter(Boolean).join('; '))
  out.set(r, 'model.lora_rank', '/method/rank', r.int('model.lora_rank'))
  out.set(r, 'model.lora_alpha', '/method/alpha', r.num('model.lora_alpha'))
  out.set(r, 'model.lora_dropout', '/method/dropout', r.num('model.lora_dropout'))
  if (r.bool('model.use_dora') === true) out.caveat(r, 'model.use_dora', 'DoRA adds a magnitude vector and a weight-norm pass per adapted layer; estimated as plain LoRA')
}

function readTraining(r: ConfigReader, out: Implied): void {
  const seq = r.int('tokenizer.max_seq_len')
  out.set(r, 'tokenizer.max_seq_len', '/training/sequenceLength', seq)
  if (seq === undefined) out.missing.set('/training/sequenceLength', { reader: r, path: r.has('tokenizer') ? 'tokenizer.max_seq_len' : 'tokenizer', message: 'is not set, so torchtune does not truncate and the sequence length is unknown: set it, or give overrides.training.sequenceLength' })
  readPacking(r, out)
  out.set(r, 'batch_size', '/training/microBatchSize', r.int('batch_size'))
  out.set(r, 'gradient_accumulation_steps', '/training/gradientAccumulationSteps', r.int('gradient_accumulation_steps'))
  out.set(r, 'epochs', '/training/epochs', r.num('epochs'))
  const perEpoch = r.int('max_steps_per_epoch')
  if (perEpoch !== undefined) out.steps = { steps: perEpoch, origin: { reader: r, path: 'max_steps_per_epoch' }, perEpoch: true }

  const optimizer = r.str('optimizer._component_')
  if (optimizer !== undefined) {
    const value = OPTIMIZERS[optimizer.toLowerCase()]
    if (!value) r.fail(['optimizer._component_'], `"${optimizer}" keeps optimizer states the estimate cannot describe; it knows ${Object.keys(OPTIMIZERS).join(', ')}`)
    out.set(r, 'optimizer._component_', '/training/optimizer', value)
  }
  readLearningRate(r, 'optimizer.lr', out)
  r.value('optimizer.fused')
  if (r.bool('optimizer_in_bwd') === true) out.caveat(r, 'optimizer_in_bwd', 'the optimizer steps inside backward, so each gradient is freed at once; the estimate keeps them all until the step, an upper bound')

  const loss = r.str('loss._component_')
  if (loss !== undefined) {
    const hit = LOSSES[loss.toLowerCase()]
    if (!hit) r.fail(['loss._component_'], `"${loss}" is not a loss the estimate knows (${Object.keys(LOSSES).join(', ')})`)
    out.set(r, 'loss._component_', '/training/loss', hit[0], hit[1])
  }
  out.set(r, 'enable_activation_checkpointing', '/training/gradientCheckpointing', r.bool('enable_activation_checkpointing'))
  out.set(r, 'enable_activation_offloading', '/training/activationOffload', r.bool('enable_activation_offloading'))
  const compile = r.value('compile')
  if (typeof compile === 'object' && compile !== null) out.set(r, 'compile', '/training/compile', Object.values(compile).some((v) => v === true), 'compiled where any part is')
  else out.set(r, 'compile', '/training/compile', r.bool('compile'))
  const dtype = r.str('dtype')
  if (dtype !== undefined) {
    if (dtype !== 'bf16' && dtype !== 'fp32') r.fail(['dtype'], 'must be bf16 or fp32 (torchtune has no fp16 training)')
    out.set(r, 'dtype', '/training/precision', dtype, dtype === 'bf16' ? 'bf16 weights and math, no autocast' : undefined)
  }
  if (r.bool('fsdp_cpu_offload') === true) {
    out.set(r, 'fsdp_cpu_offload', '/hardware/sharding', 'fsdp')
    out.set(r, 'fsdp_cpu_offload', '/hardware/offload', 'optimizer-and-params', 'FSDP CPU offload: parameters, gradients and the optimizer step on the host')
  }
}

function readPacking(r: ConfigReader, out: Implied): void {
  const dataset = r.peek('dataset')
  if (Array.isArray(dataset)) {
    r.value('dataset')
    const packed = dataset.map((d) => typeof d === 'object' && d !== null && (d as Record<string, unknown>).packed === true)
    if (packed.every(Boolean) && packed.length > 0) out.set(r, 'dataset', '/training/sequenceLengths', 'fixed', 'every dataset packed to max_seq_len')
    return
  }
  if (r.bool('dataset.packed') === true) out.set(r, 'dataset.packed', '/training/sequenceLengths', 'fixed', 'packed to max_seq_len')
}
