// axolotl's YAML (axolotl-ai-cloud/axolotl, src/axolotl/utils/schemas/config.py and its
// validation): base model, adapter and its bitsandbytes loading, LoRA, sequence length and
// packing, batch, precision, optimizer, checkpointing and offload, attention, DeepSpeed / FSDP,
// the Liger and cut-cross-entropy plugins, unsloth kernels, torch.compile, unfrozen_parameters.
import type { ConfigReader } from './config-document.ts'
import {
  readCheckpointing, readCompile, readDeepspeed, readFsdp, readLearningRate, readMixedPrecision, readOptimizer, refuseBothShardings, type MapContext,
} from './hf-trainer.ts'
import type { Implied } from './implied-request.ts'
import { ALL_LINEAR, attentionOf, loraTargets, type LoraTarget } from './vocabulary.ts'

const SRC = 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/utils/schemas/config.py'

export function mapAxolotl(r: ConfigReader, out: Implied, ctx: MapContext): void {
  const base = r.str('base_model')
  if (base !== undefined) out.model = { name: base, origin: { reader: r, path: 'base_model' } }
  readMethod(r, out)
  readTraining(r, out)
  refuseBothShardings(r, 'deepspeed', ['fsdp', 'fsdp_config'])
  readDeepspeed(r, 'deepspeed', out, ctx)
  readFsdp(r, out)
  readLoss(r, out)
  readCompile(r, 'torch_compile', out)
  readOthers(r, out)
}

function readMethod(r: ConfigReader, out: Implied): void {
  const adapter = r.str('adapter')
  const in4 = r.bool('load_in_4bit') === true
  const in8 = r.bool('load_in_8bit') === true
  if (r.bool('gptq') === true) r.fail(['gptq'], 'GPTQ-quantized base weights are not estimated (bitsandbytes 4-bit or 8-bit are)')
  if (in4 && in8) r.fail(['load_in_4bit', 'load_in_8bit'], 'the base weights load in 4 bits or in 8 bits, not both')
  if (adapter !== undefined && adapter !== 'lora' && adapter !== 'qlora') {
    r.fail(['adapter'], `"${adapter}" is not estimated: lora, qlora, or no adapter (full fine-tuning)`)
  }
  if (adapter === undefined) {
    if (in4 || in8) r.fail([in4 ? 'load_in_4bit' : 'load_in_8bit'], 'quantized base weights cannot be fully fine-tuned: set adapter: qlora (4-bit) or adapter: lora (8-bit), or drop the quantization')
    if (r.has('unfrozen_parameters')) readUnfrozen(r, out)
    else out.toolDefault('/method/type', 'full', `${SRC} (no adapter: full fine-tuning)`)
    return
  }
  if (adapter === 'qlora') {
    // axolotl's validate_qlora: "Can't load qlora in 8bit", "Require cfg.load_in_4bit to be True for qlora".
    if (in8) r.fail(['adapter', 'load_in_8bit'], 'adapter qlora loads the base weights in 4 bits; axolotl refuses load_in_8bit with it')
    if (!in4) r.fail(['adapter', ...(r.has('load_in_4bit') ? ['load_in_4bit'] : [])], 'adapter qlora needs load_in_4bit: true (axolotl requires it)')
    out.set(r, 'adapter', '/method/type', 'qlora')
    out.set(r, 'load_in_4bit', '/method/quantization', 'nf4')
    readBnb4bit(r, out)
  } else if (in4) {
    r.fail(['adapter', 'load_in_4bit'], '4-bit loading is adapter qlora in axolotl (its 4-bit quantization config is built for qlora); with adapter lora say load_in_8bit or no quantization')
  } else if (in8) {
    out.set(r, 'adapter', '/method/type', 'qlora', 'LoRA over 8-bit base weights: the estimate\'s qlora with int8')
    out.set(r, 'load_in_8bit', '/method/quantization', 'int8')
  } else {
    out.set(r, 'adapter', '/method/type', 'lora')
  }
  readLora(r, out)
}

/** bitsandbytes 4-bit options, top level or under bnb_config_kwargs; axolotl's own defaults are nf4 with double quantization. */
function readBnb4bit(r: ConfigReader, out: Implied): void {
  for (const prefix of ['', 'bnb_config_kwargs.']) {
    const dq = `${prefix}bnb_4bit_use_double_quant`
    out.set(r, dq, '/method/doubleQuantization', r.bool(dq))
    const type = r.str(`${prefix}bnb_4bit_quant_type`)
    if (type === 'fp4') out.set(r, `${prefix}bnb_4bit_quant_type`, '/method/quantization', 'nf4', 'fp4 stores 4 bits per weight with the same block constants as nf4')
    else if (type !== undefined && type !== 'nf4') r.fail([`${prefix}bnb_4bit_quant_type`], 'must be nf4 or fp4')
  }
  out.toolDefault('/method/doubleQuantization', true, 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/loaders/model.py (qlora BitsAndBytesConfig: bnb_4bit_use_double_quant=True)')
}

function readLora(r: ConfigReader, out: Implied): void {
  out.set(r, 'lora_r', '/method/rank', r.int('lora_r'))
  out.set(r, 'lora_alpha', '/method/alpha', r.num('lora_alpha'))
  out.set(r, 'lora_dropout', '/method/dropout', r.num('lora_dropout'))
  const targets = new Set<LoraTarget>()
  const linear = r.bool('lora_target_linear') === true
  if (linear) for (const t of ALL_LINEAR) targets.add(t)
  const raw = r.value('lora_target_modules')
  const named = typeof raw === 'string' ? loraTargets(r, 'lora_target_modules', [raw], true) : raw === undefined ? [] : loraTargets(r, 'lora_target_modules', r.list('lora_target_modules')!)
  for (const t of named) targets.add(t)
  if (targets.size > 0) {
    const key = named.length > 0 ? 'lora_target_modules' : 'lora_target_linear'
    out.set(r, key, '/method/targetModules', [...targets], linear ? 'lora_target_linear: every linear layer of each block' : undefined)
    if (linear && named.length > 0) out.mapped.push({ key: r.name('lora_target_linear'), field: '/method/targetModules', value: ALL_LINEAR, note: 'merged with lora_target_modules' })
  }
  if ((r.list('lora_modules_to_save') ?? []).length > 0) {
    out.caveat(r, 'lora_modules_to_save', 'trains whole copies of these modules beside the adapters; their weights, gradients and optimizer states are not in the estimate')
  }
  if (r.bool('peft_use_dora') === true) out.caveat(r, 'peft_use_dora', 'DoRA adds a magnitude vector and a weight-norm pass per adapted layer; estimated as plain LoRA')
  r.value('peft_use_rslora')
}

/**
 * unfrozen_parameters: regexes over parameter names (axolotl's freeze_layers_except: re.match,
 * "." literal). The decoder layers they reach become the estimate's freeze method.
 */
function readUnfrozen(r: ConfigReader, out: Implied): void {
  const patterns = r.list('unfrozen_parameters')!
  const compiled = patterns.map((raw) => {
    const pattern = raw.replace(/\[[0-9]*(?::[0-9]*)?\]$/, '')
    try {
      return new RegExp(`^(?:${pattern.replace(/\.(?!\+)/g, '\\.')})`)
    } catch {
      return r.fail(['unfrozen_parameters'], `"${raw}" is not a regular expression`)
    }
  })
  out.afterModel.push((model) => {
    const modules = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj', 'input_layernorm', 'post_attention_layernorm']
    const hits = (name: string) => compiled.some((re) => re.test(name))
    const layers: number[] = []
    let partial = false
    for (let i = 0; i < model.numLayers; i++) {
      const matched = modules.filter((m) => hits(`model.layers.${i}.${m}.weight`)).length
      if (matched > 0) layers.push(i)
      if (matched > 0 && matched < modules.length) partial = true
    }
    if (layers.length === 0) r.fail(['unfrozen_parameters'], `unfreezes no decoder layer of the model (model.layers.0 … model.layers.${model.numLayers - 1}); the estimate's freeze trains whole top layers`)
    const top = layers[0] === model.numLayers - layers.length && layers.every((l, k) => l === layers[0]! + k)
    const notes = [
      `layers ${layers[0]}–${layers.at(-1)} of ${model.numLayers} unfrozen`,
      top ? null : 'the estimate trains the top layers; yours are elsewhere, so activations kept for backward differ',
      partial ? 'some layers only in part: counted whole' : null,
    ].filter(Boolean).join('; ')
    out.set(r, 'unfrozen_parameters', '/method/type', 'freeze')
    out.set(r, 'unfrozen_parameters', '/method/trainableLayers', layers.length, notes)
    if (hits('model.embed_tokens.weight') || hits('lm_head.weight')) {
      out.caveat(r, 'unfrozen_parameters', 'also unfreezes embed_tokens or lm_head, which the freeze method does not train')
    }
  })
}

function readTraining(r: ConfigReader, out: Implied): void {
  out.set(r, 'sequence_len', '/training/sequenceLength', r.int('sequence_len'))
  out.toolDefault('/training/sequenceLength', 512, `${SRC} (sequence_len default 512)`)
  if (r.bool('sample_packing') === true) out.set(r, 'sample_packing', '/training/sequenceLengths', 'fixed', 'packed: every micro-batch is sequence_len tokens')
  else if (r.bool('pad_to_sequence_len') === true) out.set(r, 'pad_to_sequence_len', '/training/sequenceLengths', 'fixed', 'padded to sequence_len')
  r.value('pad_to_sequence_len')
  r.value('eval_sample_packing')

  const micro = r.int('micro_batch_size')
  out.set(r, 'micro_batch_size', '/training/microBatchSize', micro)
  out.toolDefault('/training/microBatchSize', 1, `${SRC} (micro_batch_size default 1)`)
  const batch = r.int('batch_size')
  const accumulation = r.int('gradient_accumulation_steps')
  if (batch !== undefined && accumulation !== undefined) r.fail(['batch_size', 'gradient_accumulation_steps'], 'give batch_size or gradient_accumulation_steps, not both (axolotl refuses the pair)')
  out.set(r, 'gradient_accumulation_steps', '/training/gradientAccumulationSteps', accumulation)
  if (batch !== undefined) {
    const steps = Math.floor(batch / (micro ?? 1))
    if (steps < 1) r.fail(['batch_size'], `must be at least micro_batch_size (${micro ?? 1})`)
    out.set(r, 'batch_size', '/training/gradientAccumulationSteps', steps, `batch_size ${batch} / micro_batch_size ${micro ?? 1}, as axolotl derives it`)
  }
  const maxSteps = r.int('max_steps')
  if (maxSteps !== undefined) {
    out.steps = { steps: maxSteps, origin: { reader: r, path: 'max_steps' }, perEpoch: false }
    r.value('num_epochs')
  } else {
    out.set(r, 'num_epochs', '/training/epochs', r.num('num_epochs'))
    out.toolDefault('/training/epochs', 1, `${SRC} (num_epochs default 1)`)
  }
  readLearningRate(r, 'learning_rate', out)
  readOptimizer(r, 'optimizer', out)
  readMixedPrecision(r, out, null)
  r.value('tf32')

  // gradient_checkpointing: true, or "unsloth" / "offload" (checkpointed layer inputs kept on the host).
  const gc = r.value('gradient_checkpointing')
  if (gc === 'unsloth' || gc === 'offload' || gc === 'offload_disk') {
    out.set(r, 'gradient_checkpointing', '/training/gradientCheckpointing', true)
    out.set(r, 'gradient_checkpointing', '/training/activationOffload', true, `"${gc}": each checkpointed layer input goes to host memory`)
  } else {
    readCheckpointing(r, 'gradient_checkpointing', out)
  }
  const offload = r.value('activation_offloading')
  if (offload === true || offload === 'legacy' || offload === 'disk') out.set(r, 'activation_offloading', '/training/activationOffload', true)
  else if (offload !== undefined && offload !== false) r.fail(['activation_offloading'], 'must be true, false, legacy or disk')

  readAttention(r, out)
}

function readAttention(r: ConfigReader, out: Implied): void {
  const flags: [string, 'flash' | 'sdpa' | 'eager', string?][] = [
    ['flash_attention', 'flash'],
    ['flex_attention', 'flash', 'flex_attention never materialises the score matrix'],
    ['xformers_attention', 'flash', 'xformers\' memory-efficient attention keeps no score matrix'],
    ['sdp_attention', 'sdpa'],
    ['eager_attention', 'eager'],
  ]
  const on = flags.filter(([key]) => r.bool(key) === true)
  if (on.length > 1) r.fail(on.map(([key]) => key), 'name one attention implementation')
  if (on[0]) out.set(r, on[0][0], '/training/attention', on[0][1], on[0][2])
  const impl = attentionOf(r, 'attn_implementation')
  if (impl) {
    if (on[0]) r.fail([on[0][0], 'attn_implementation'], 'name one attention implementation')
    out.set(r, 'attn_implementation', '/training/attention', impl.value, impl.note)
  }
}

function readLoss(r: ConfigReader, out: Implied): void {
  const plugins = r.list('plugins') ?? []
  const liger = plugins.some((p) => /liger/i.test(p))
  const cce = plugins.some((p) => /cut_cross_entropy/i.test(p))
  const flag = (key: string) => r.bool(key) === true
  if (flag('liger_fused_linear_cross_entropy')) {
    if (liger) out.set(r, 'liger_fused_linear_cross_entropy', '/training/loss', 'fused', 'Liger\'s fused linear cross-entropy: the logits are never materialised')
    else out.caveat(r, 'liger_fused_linear_cross_entropy', 'has no effect without axolotl.integrations.liger.LigerPlugin in plugins; the loss is estimated unfused')
  } else if (flag('liger_cross_entropy')) {
    if (liger) out.set(r, 'liger_cross_entropy', '/training/loss', 'half', 'Liger\'s cross-entropy works on the 16-bit logits in place, no fp32 copy')
    else out.caveat(r, 'liger_cross_entropy', 'has no effect without axolotl.integrations.liger.LigerPlugin in plugins')
  }
  for (const key of ['liger_rope', 'liger_rms_norm', 'liger_glu_activation', 'liger_layer_norm', 'liger_swiglu']) r.value(key)
  if (flag('cut_cross_entropy')) {
    if (out.isSet('/training/loss')) r.fail(['cut_cross_entropy', 'liger_fused_linear_cross_entropy'], 'name one fused cross-entropy')
    if (cce) out.set(r, 'cut_cross_entropy', '/training/loss', 'fused', 'cut-cross-entropy: the logits are never materialised')
    else out.caveat(r, 'cut_cross_entropy', 'has no effect without axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin in plugins')
  }
  if (flag('chunked_cross_entropy') && !out.isSet('/training/loss')) out.set(r, 'chunked_cross_entropy', '/training/loss', 'chunked')
  if (flag('unsloth_cross_entropy_loss') && !out.isSet('/training/loss')) out.set(r, 'unsloth_cross_entropy_loss', '/training/loss', 'half', 'unsloth\'s cross-entropy kernel on the 16-bit logits')
  for (const key of ['unsloth_lora_mlp', 'unsloth_lora_qkv', 'unsloth_lora_o', 'unsloth_rms_norm', 'unsloth_rope', 'lora_mlp_kernel', 'lora_qkv_kernel', 'lora_o_kernel']) {
    if (flag(key)) out.caveat(r, key, 'a fused LoRA kernel: faster, and keeps fewer activations than the estimate counts')
  }
}

function readOthers(r: ConfigReader, out: Implied): void {
  const rl = r.str('rl')
  if (rl !== undefined) out.caveat(r, 'rl', `${rl} preference training: a reference model and paired sequences are not in the estimate, which counts supervised fine-tuning`)
  for (const key of ['sequence_parallel_degree', 'context_parallel_size', 'tensor_parallel_size']) {
    const n = r.int(key)
    if (n !== undefined && n > 1) out.caveat(r, key, `splits each sequence or layer over ${n} GPUs; the estimate counts data parallelism only`)
  }
}
