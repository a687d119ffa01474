// TRL / Transformers arguments as `trl sft --config` reads them (huggingface/trl: ModelConfig,
// SFTConfig, and transformers' TrainingArguments in one YAML or JSON), with an optional PEFT
// adapter_config.json for the LoRA: model and its loading (dtype, 4/8-bit and bitsandbytes options,
// attention), LoRA, max_length and packing, and every TrainingArguments key that moves memory.
import type { ConfigReader } from './config-document.ts'
import {
  readBatchAndSchedule, readCheckpointing, readCompile, readDeepspeed, readFsdp, readLiger, readMixedPrecision, readOptimizer, refuseBothShardings, type MapContext,
} from './hf-trainer.ts'
import type { Implied } from './implied-request.ts'
import { attentionOf, dtypeOf, loraTargets, type Dtype } from './vocabulary.ts'

const MODEL_CONFIG = 'huggingface/trl:trl/trainer/model_config.py (ModelConfig)'
const SFT_CONFIG = 'huggingface/trl:trl/trainer/sft_config.py (SFTConfig)'

export interface TrlContext extends MapContext {
  /** The PEFT adapter_config.json, when sent. */
  adapter: ConfigReader | null
}

export function mapTrl(r: ConfigReader, out: Implied, ctx: TrlContext): void {
  const model = r.str('model_name_or_path')
  if (model !== undefined) out.model = { name: model, origin: { reader: r, path: 'model_name_or_path' } }
  const weights = readLoading(r, out)
  readMethod(r, out, ctx.adapter)
  readSequence(r, out)
  readBatchAndSchedule(r, out)
  readMixedPrecision(r, out, weights)
  readOptimizer(r, 'optim', out)
  readCheckpointing(r, 'gradient_checkpointing', out)
  readLiger(r, 'use_liger_kernel', out)
  readLossType(r, out)
  refuseBothShardings(r, 'deepspeed', ['fsdp', 'fsdp_config'])
  readDeepspeed(r, 'deepspeed', out, ctx)
  readFsdp(r, out)
  readCompile(r, 'torch_compile', out)
}

/** dtype (torch_dtype before TRL 0.20) and attn_implementation, top level or in model_init_kwargs. */
function readLoading(r: ConfigReader, out: Implied): Dtype | null {
  let weights: Dtype | null = null
  for (const key of ['dtype', 'torch_dtype', 'model_init_kwargs.dtype', 'model_init_kwargs.torch_dtype']) {
    const dtype = dtypeOf(r, key)
    if (dtype === undefined) continue
    if (dtype === null) {
      out.caveat(r, key, 'auto: the checkpoint\'s own dtype; the stack profile\'s weights dtype is assumed')
      continue
    }
    weights = dtype
    out.set(r, key, '/training/weightsDtype', dtype)
  }
  for (const key of ['attn_implementation', 'model_init_kwargs.attn_implementation']) {
    const attention = attentionOf(r, key)
    if (attention) out.set(r, key, '/training/attention', attention.value, attention.note)
  }
  if (r.bool('use_flash_attention_2') === true) out.set(r, 'use_flash_attention_2', '/training/attention', 'flash')
  return weights
}

function readMethod(r: ConfigReader, out: Implied, adapter: ConfigReader | null): void {
  const in4 = r.bool('load_in_4bit') === true
  const in8 = r.bool('load_in_8bit') === true
  if (in4 && in8) r.fail(['load_in_4bit', 'load_in_8bit'], 'the base weights load in 4 bits or in 8 bits, not both (TRL refuses the pair)')
  const usePeft = r.bool('use_peft')
  const peft = adapter !== null || usePeft === true
  if (!peft) {
    if (in4 || in8) {
      r.fail([in4 ? 'load_in_4bit' : 'load_in_8bit', ...(r.has('use_peft') ? ['use_peft'] : [])], 'quantized base weights cannot be fully fine-tuned: set use_peft: true (or send the adapter_config.json), or drop the quantization')
    }
    out.toolDefault('/method/type', 'full', `${MODEL_CONFIG} (use_peft default false: every weight trains)`)
    return
  }
  const typeKey = adapter ? null : 'use_peft'
  if (in4 || in8) {
    const key = in4 ? 'load_in_4bit' : 'load_in_8bit'
    out.set(r, key, '/method/type', 'qlora', 'LoRA over quantized base weights')
    out.set(r, key, '/method/quantization', in4 ? 'nf4' : 'int8')
    if (in4) {
      const type = r.str('bnb_4bit_quant_type')
      if (type !== undefined && type !== 'nf4' && type !== 'fp4') r.fail(['bnb_4bit_quant_type'], 'must be nf4 or fp4')
      if (type === 'fp4') out.set(r, 'bnb_4bit_quant_type', '/method/quantization', 'nf4', 'fp4 stores 4 bits per weight with the same block constants as nf4')
      out.set(r, 'use_bnb_nested_quant', '/method/doubleQuantization', r.bool('use_bnb_nested_quant'), 'bitsandbytes double quantization')
      out.toolDefault('/method/doubleQuantization', false, `${MODEL_CONFIG} (use_bnb_nested_quant default false)`)
    }
  } else if (typeKey) {
    out.set(r, typeKey, '/method/type', 'lora')
  } else {
    out.toolDefault('/method/type', 'lora', 'a PEFT LoRA adapter_config.json was sent')
  }
  if (adapter) readAdapterConfig(adapter, out)
  else readModelConfigLora(r, out)
}

/** ModelConfig's lora_* keys (TRL's defaults: r 16, alpha 32, dropout 0.05). */
function readModelConfigLora(r: ConfigReader, out: Implied): void {
  out.set(r, 'lora_r', '/method/rank', r.int('lora_r'))
  out.toolDefault('/method/rank', 16, `${MODEL_CONFIG} (lora_r default 16)`)
  out.set(r, 'lora_alpha', '/method/alpha', r.num('lora_alpha'))
  out.toolDefault('/method/alpha', 32, `${MODEL_CONFIG} (lora_alpha default 32)`)
  out.set(r, 'lora_dropout', '/method/dropout', r.num('lora_dropout'))
  out.toolDefault('/method/dropout', 0.05, `${MODEL_CONFIG} (lora_dropout default 0.05)`)
  const targets = r.list('lora_target_modules')
  if (targets) out.set(r, 'lora_target_modules', '/method/targetModules', loraTargets(r, 'lora_target_modules', targets), targets.some((t) => /^all(-linear)?$/i.test(t)) ? 'all-linear: every linear layer of each block' : undefined)
  if ((r.list('lora_modules_to_save') ?? []).length > 0) out.caveat(r, 'lora_modules_to_save', 'trains whole copies of these modules beside the adapters; not in the estimate')
  if (r.bool('use_dora') === true) out.caveat(r, 'use_dora', 'DoRA adds a magnitude vector and a weight-norm pass per adapted layer; estimated as plain LoRA')
  for (const key of ['use_rslora', 'lora_task_type']) r.value(key)
}

/** A PEFT adapter_config.json (peft/tuners/lora/config.py LoraConfig). */
function readAdapterConfig(a: ConfigReader, out: Implied): void {
  const type = a.str('peft_type')
  if (type !== undefined && type.toUpperCase() !== 'LORA') a.fail(['peft_type'], `"${type}" is not estimated: LORA`)
  if (!out.model) {
    const base = a.str('base_model_name_or_path')
    if (base !== undefined) out.model = { name: base, origin: { reader: a, path: 'base_model_name_or_path' } }
  } else {
    a.value('base_model_name_or_path')
  }
  out.set(a, 'r', '/method/rank', a.int('r'))
  out.toolDefault('/method/rank', 8, 'huggingface/peft:src/peft/tuners/lora/config.py (LoraConfig r default 8)')
  out.set(a, 'lora_alpha', '/method/alpha', a.num('lora_alpha'))
  out.toolDefault('/method/alpha', 8, 'huggingface/peft:src/peft/tuners/lora/config.py (LoraConfig lora_alpha default 8)')
  out.set(a, 'lora_dropout', '/method/dropout', a.num('lora_dropout'))
  const raw = a.value('target_modules')
  if (typeof raw === 'string') {
    out.set(a, 'target_modules', '/method/targetModules', loraTargets(a, 'target_modules', [raw], true), /^all-linear$/i.test(raw) ? 'all-linear: every linear layer of each block' : 'a regular expression, matched against whole module paths')
  } else if (raw !== undefined) {
    out.set(a, 'target_modules', '/method/targetModules', loraTargets(a, 'target_modules', a.list('target_modules')!))
  }
  if ((a.list('modules_to_save') ?? []).length > 0) out.caveat(a, 'modules_to_save', 'trains whole copies of these modules beside the adapters; not in the estimate')
  if (a.bool('use_dora') === true) out.caveat(a, 'use_dora', 'DoRA adds a magnitude vector and a weight-norm pass per adapted layer; estimated as plain LoRA')
  const layers = a.value('layers_to_transform')
  if (layers !== undefined) out.caveat(a, 'layers_to_transform', 'adapters on some layers only: the estimate adapts every layer, an upper bound')
  for (const key of ['rank_pattern', 'alpha_pattern']) {
    const pattern = a.value(key)
    if (key === 'rank_pattern' && typeof pattern === 'object' && pattern !== null && Object.keys(pattern).length > 0) {
      out.caveat(a, key, 'per-module ranks: the estimate uses r everywhere')
    }
  }
  for (const key of ['use_rslora', 'bias', 'task_type', 'fan_in_fan_out', 'inference_mode', 'init_lora_weights', 'revision', 'auto_mapping', 'layers_pattern']) a.value(key)
}

function readSequence(r: ConfigReader, out: Implied): void {
  const key = r.has('max_length') ? 'max_length' : 'max_seq_length'
  if (r.has('max_length') && r.has('max_seq_length')) r.fail(['max_length', 'max_seq_length'], 'max_seq_length is the name max_length had before TRL 0.16: give one')
  out.set(r, key, '/training/sequenceLength', r.int(key))
  out.toolDefault('/training/sequenceLength', 1024, `${SFT_CONFIG} (max_length default 1024)`)
  if (r.bool('packing') === true) out.set(r, 'packing', '/training/sequenceLengths', 'fixed', 'packed: every sequence is max_length tokens')
  if (r.bool('padding_free') === true && !out.isSet('/training/sequenceLengths')) {
    out.caveat(r, 'padding_free', 'batches without padding: their token count varies from step to step, which the estimate reads as variable lengths')
  }
  r.value('packing_strategy')
}

function readLossType(r: ConfigReader, out: Implied): void {
  const type = r.str('loss_type')
  if (type === undefined) return
  if (type === 'chunked_nll') {
    if (!out.isSet('/training/loss')) out.set(r, 'loss_type', '/training/loss', 'fused', 'chunked_nll: the output projection and loss run chunk by chunk')
  } else if (type === 'nll' || type === 'dft') {
    if (out.isSet('/training/loss')) return
    out.set(r, 'loss_type', '/training/loss', 'fp32', `${type}: transformers' loss over the whole logits, upcast to fp32`)
  } else {
    r.fail(['loss_type'], 'must be nll, dft or chunked_nll')
  }
}
