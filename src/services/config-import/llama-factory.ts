// LLaMA-Factory's YAML (hiyouga/LLaMA-Factory, src/llamafactory/hparams/: model_args.py,
// finetuning_args.py, data_args.py, and transformers' TrainingArguments): finetuning_type (lora,
// freeze, full), LoRA and freeze options, on-the-fly quantization, cutoff_len and packing, the
// Trainer's batch / precision / optimizer / DeepSpeed keys, Liger and Unsloth switches.
import type { ConfigReader } from './config-document.ts'
import {
  readBatchAndSchedule, readCompile, readDeepspeed, readFsdp, readLiger, readMixedPrecision, readOptimizer, refuseBothShardings, type MapContext,
} from './hf-trainer.ts'
import type { Implied } from './implied-request.ts'
import { loraTargets } from './vocabulary.ts'

const ARGS = 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/hparams'

export function mapLlamaFactory(r: ConfigReader, out: Implied, ctx: MapContext): void {
  const model = r.str('model_name_or_path')
  if (model !== undefined) out.model = { name: model, origin: { reader: r, path: 'model_name_or_path' } }
  readStage(r, out)
  readMethod(r, out)
  readData(r, out)
  readBatchAndSchedule(r, out)
  const pure = r.bool('pure_bf16') === true
  if (pure) {
    if (r.bool('fp16') === true) r.fail(['pure_bf16', 'fp16'], 'pure_bf16 trains in bf16 without autocast; fp16 contradicts it')
    out.set(r, 'pure_bf16', '/training/precision', 'bf16', 'pure bf16: no autocast, no fp32 copy of the trainable weights')
    r.value('bf16')
  } else {
    readMixedPrecision(r, out, null)
  }
  readOptimizer(r, 'optim', out)
  for (const key of ['use_galore', 'use_apollo', 'use_badam']) {
    if (r.bool(key) === true) out.caveat(r, key, 'a low-memory optimizer (gradient projection or block updates) the estimate does not model: it counts the full optimizer states, an upper bound')
  }
  readCheckpointing(r, out)
  readAttention(r, out)
  if (r.bool('enable_liger_kernel') === true) readLiger(r, 'enable_liger_kernel', out)
  if (r.bool('use_unsloth') === true && !out.isSet('/training/loss')) {
    out.set(r, 'use_unsloth', '/training/loss', 'fused', 'Unsloth\'s model patches include its fused cross-entropy')
  }
  refuseBothShardings(r, 'deepspeed', ['fsdp', 'fsdp_config'])
  readDeepspeed(r, 'deepspeed', out, ctx)
  readFsdp(r, out)
  readCompile(r, 'torch_compile', out)
  for (const key of ['upcast_layernorm', 'upcast_lmhead_output']) r.value(key)
}

function readStage(r: ConfigReader, out: Implied): void {
  const stage = r.str('stage')
  if (stage === undefined || stage === 'sft' || stage === 'pt') return
  if (stage === 'rm' || stage === 'ppo' || stage === 'dpo' || stage === 'kto') {
    out.caveat(r, 'stage', `${stage}: the reference or reward model and paired sequences are not in the estimate, which counts supervised fine-tuning`)
    return
  }
  r.fail(['stage'], 'must be pt, sft, rm, ppo, dpo or kto')
}

function readMethod(r: ConfigReader, out: Implied): void {
  const type = r.str('finetuning_type') ?? 'lora'
  const bits = r.int('quantization_bit')
  if (bits !== undefined && type !== 'lora') {
    // LLaMA-Factory: "Quantization is only compatible with the LoRA method."
    r.fail(['quantization_bit', ...(r.has('finetuning_type') ? ['finetuning_type'] : [])], `quantized base weights cannot be trained with finetuning_type ${type}; LLaMA-Factory quantizes only for lora`)
  }
  if (type === 'full') {
    out.set(r, 'finetuning_type', '/method/type', 'full')
    return
  }
  if (type === 'freeze') {
    out.set(r, 'finetuning_type', '/method/type', 'freeze')
    const layers = r.int('freeze_trainable_layers', -1024)
    if (layers === 0) r.fail(['freeze_trainable_layers'], 'must not be 0: it is the number of layers trained')
    if (layers !== undefined) {
      out.set(r, 'freeze_trainable_layers', '/method/trainableLayers', Math.abs(layers), layers < 0 ? 'negative: the first layers train; the estimate trains the top layers, so it keeps fewer activations than this run' : undefined)
    }
    out.toolDefault('/method/trainableLayers', 2, `${ARGS}/finetuning_args.py (freeze_trainable_layers default 2)`)
    const modules = r.str('freeze_trainable_modules')
    if (modules !== undefined && modules !== 'all') out.caveat(r, 'freeze_trainable_modules', `only ${modules} of each trained layer: the estimate trains whole layers, an upper bound`)
    if (r.has('freeze_extra_modules')) out.caveat(r, 'freeze_extra_modules', 'modules trained besides the layers (embeddings, lm_head) are not in the estimate')
    return
  }
  if (type !== 'lora') r.fail(['finetuning_type'], `"${type}" is not estimated: lora, freeze or full`)
  if (bits === undefined) {
    out.toolDefault('/method/type', 'lora', `${ARGS}/finetuning_args.py (finetuning_type default lora)`)
    if (r.has('finetuning_type')) out.set(r, 'finetuning_type', '/method/type', 'lora')
  } else {
    readQuantization(r, out, bits)
  }
  out.set(r, 'lora_rank', '/method/rank', r.int('lora_rank'))
  out.toolDefault('/method/rank', 8, `${ARGS}/finetuning_args.py (lora_rank default 8)`)
  out.set(r, 'lora_alpha', '/method/alpha', r.num('lora_alpha'))
  out.set(r, 'lora_dropout', '/method/dropout', r.num('lora_dropout'))
  const targets = r.list('lora_target')
  if (targets) out.set(r, 'lora_target', '/method/targetModules', loraTargets(r, 'lora_target', targets), targets.includes('all') ? 'all: every linear layer of each block' : undefined)
  out.toolDefault('/method/targetModules', ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], `${ARGS}/finetuning_args.py (lora_target default all: every linear layer)`)
  if (r.has('additional_target')) out.caveat(r, 'additional_target', 'trains whole copies of these modules beside the adapters; not in the estimate')
  if (r.bool('use_dora') === true) out.caveat(r, 'use_dora', 'DoRA adds a magnitude vector and a weight-norm pass per adapted layer; estimated as plain LoRA')
  for (const key of ['use_rslora', 'pissa_init', 'pissa_iter', 'pissa_convert', 'loraplus_lr_ratio', 'create_new_adapter']) r.value(key)
}

function readQuantization(r: ConfigReader, out: Implied, bits: number): void {
  const method = r.str('quantization_method') ?? 'bitsandbytes'
  if (method !== 'bitsandbytes' && method !== 'bnb') r.fail(['quantization_method'], `"${method}" is not estimated: bitsandbytes (4 or 8 bits)`)
  if (bits !== 4 && bits !== 8) r.fail(['quantization_bit'], 'must be 4 or 8 for bitsandbytes')
  out.set(r, 'quantization_bit', '/method/type', 'qlora', 'LoRA over quantized base weights')
  out.set(r, 'quantization_bit', '/method/quantization', bits === 4 ? 'nf4' : 'int8')
  if (bits === 4) {
    const type = r.str('quantization_type')
    if (type !== undefined && type !== 'nf4' && type !== 'fp4') r.fail(['quantization_type'], 'must be nf4 or fp4')
    if (type === 'fp4') out.set(r, 'quantization_type', '/method/quantization', 'nf4', 'fp4 stores 4 bits per weight with the same block constants as nf4')
    out.set(r, 'double_quantization', '/method/doubleQuantization', r.bool('double_quantization'))
    out.toolDefault('/method/doubleQuantization', true, `${ARGS}/model_args.py (double_quantization default true)`)
  } else {
    r.value('double_quantization')
  }
}

function readData(r: ConfigReader, out: Implied): void {
  out.set(r, 'cutoff_len', '/training/sequenceLength', r.int('cutoff_len'))
  out.toolDefault('/training/sequenceLength', 2048, `${ARGS}/data_args.py (cutoff_len default 2048)`)
  const packing = r.bool('packing')
  const neat = r.bool('neat_packing') === true
  if (packing === true || neat) out.set(r, neat ? 'neat_packing' : 'packing', '/training/sequenceLengths', 'fixed', 'packed: every sequence is cutoff_len tokens')
  else if (packing === undefined && r.str('stage') === 'pt') {
    out.toolDefault('/training/sequenceLengths', 'fixed', `${ARGS}/data_args.py (packing defaults to true for stage pt)`)
  }
  // max_samples caps the dataset: with no max_steps, the tokens it can hold bound the run.
  const samples = r.int('max_samples')
  if (samples !== undefined && !out.steps) out.samples = { samples, origin: { reader: r, path: 'max_samples' } }
}

function readCheckpointing(r: ConfigReader, out: Implied): void {
  if (r.bool('disable_gradient_checkpointing') === true) out.set(r, 'disable_gradient_checkpointing', '/training/gradientCheckpointing', false)
  if (r.bool('use_unsloth_gc') === true) {
    if (out.get('/training/gradientCheckpointing') === false) r.fail(['use_unsloth_gc', 'disable_gradient_checkpointing'], 'unsloth\'s gradient checkpointing cannot run with checkpointing disabled')
    out.set(r, 'use_unsloth_gc', '/training/gradientCheckpointing', true)
    out.set(r, 'use_unsloth_gc', '/training/activationOffload', true, 'unsloth\'s checkpointing keeps each layer input in host memory')
  }
  for (const key of ['use_reentrant_gc', 'gradient_checkpointing']) r.value(key)
}

function readAttention(r: ConfigReader, out: Implied): void {
  const value = r.str('flash_attn')
  if (value === undefined) return
  const table: Record<string, ['flash' | 'sdpa' | 'eager', string?]> = {
    auto: ['sdpa', 'auto: transformers picks SDPA'],
    sdpa: ['sdpa'],
    fa2: ['flash'],
    fa3: ['flash'],
    disabled: ['eager', 'disabled: eager attention'],
  }
  const hit = table[value]
  if (!hit) r.fail(['flash_attn'], 'must be auto, disabled, sdpa, fa2 or fa3')
  out.set(r, 'flash_attn', '/training/attention', hit[0], hit[1])
}
