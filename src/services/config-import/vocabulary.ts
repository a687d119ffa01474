// The words the four tools share: Transformers' optimizer and attention names, torch dtypes, PEFT's
// target-module names (and its "all-linear"), DeepSpeed ZeRO configs and FSDP options, each read into
// the estimate request's vocabulary. A value that moves memory but has no counterpart in the request
// is refused with the values that do, never guessed.
import type { Static } from 'typebox'
import type { HardwareSchema, MethodSchema, TrainingSchema } from '../../contract/estimate.schemas.ts'
import type { ConfigReader } from './config-document.ts'

export type Optimizer = NonNullable<Static<typeof TrainingSchema>['optimizer']>
export type Attention = NonNullable<Static<typeof TrainingSchema>['attention']>
export type Dtype = 'fp32' | 'bf16' | 'fp16'
export type LoraTarget = NonNullable<Static<typeof MethodSchema>['targetModules']>[number]
export type Sharding = NonNullable<Static<typeof HardwareSchema>['sharding']>
export type Offload = NonNullable<Static<typeof HardwareSchema>['offload']>

/**
 * transformers' OptimizerNames (training_args.py `optim`), plus axolotl's torchao name. Lion,
 * AdEMAMix, GaLore, LOMO, 4-bit AdamW... keep states the request cannot describe: refused.
 */
export const HF_OPTIMIZERS: Readonly<Record<string, Optimizer>> = {
  adamw_torch: 'adamw',
  adamw_torch_fused: 'adamw',
  adamw_hf: 'adamw',
  adamw_apex_fused: 'adamw',
  adamw_torch_xla: 'adamw',
  adamw_torch_npu_fused: 'adamw',
  adamw_bnb_8bit: 'adamw-8bit',
  adamw_8bit: 'adamw-8bit',
  adamw_torch_8bit: 'adamw-8bit',
  ao_adamw_8bit: 'adamw-8bit',
  paged_adamw_32bit: 'paged-adamw',
  paged_adamw_8bit: 'paged-adamw-8bit',
  adafactor: 'adafactor',
  sgd: 'sgd',
}

export function optimizerOf(reader: ConfigReader, path: string, table: Readonly<Record<string, Optimizer>> = HF_OPTIMIZERS): Optimizer | undefined {
  const name = reader.str(path)
  if (name === undefined) return undefined
  const optimizer = table[name.toLowerCase()]
  if (!optimizer) reader.fail([path], `"${name}" keeps optimizer states the estimate cannot describe; it knows ${Object.keys(table).join(', ')}`)
  return optimizer
}

/** transformers' attn_implementation values. */
export function attentionOf(reader: ConfigReader, path: string): { value: Attention; note?: string } | undefined {
  const name = reader.str(path)
  if (name === undefined) return undefined
  const n = name.toLowerCase()
  if (n === 'sdpa') return { value: 'sdpa' }
  if (n === 'eager') return { value: 'eager' }
  if (/^flash_attention_[23]$/.test(n) || /flash[-_]?attn|kernels-community\//.test(n)) return { value: 'flash' }
  if (n === 'flex_attention') return { value: 'flash', note: 'flex_attention never materialises the score matrix, as FlashAttention does' }
  return reader.fail([path], `"${name}" is not an attention implementation the estimate knows (flash_attention_2, flash_attention_3, flex_attention, sdpa, eager)`)
}

/** A torch dtype by any of its names; null for "auto" (the checkpoint's own dtype). */
export function dtypeOf(reader: ConfigReader, path: string): Dtype | null | undefined {
  const name = reader.str(path)
  if (name === undefined) return undefined
  const n = name.toLowerCase().replace(/^torch\./, '')
  if (n === 'auto') return null
  if (n === 'bfloat16' || n === 'bf16') return 'bf16'
  if (n === 'float16' || n === 'fp16' || n === 'half') return 'fp16'
  if (n === 'float32' || n === 'fp32' || n === 'float') return 'fp32'
  return reader.fail([path], `"${name}" is not a dtype the estimate knows (bfloat16, float16, float32, auto)`)
}

/** Every linear layer of a decoder block: PEFT's "all-linear" (lm_head excluded), LLaMA-Factory's "all". */
export const ALL_LINEAR: readonly LoraTarget[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']

/** Module names of other conventions, as the request's targets: torchtune, fused Phi-3 projections, Mixtral experts. */
const TARGET_NAMES: Readonly<Record<string, readonly LoraTarget[]>> = {
  q_proj: ['q_proj'], k_proj: ['k_proj'], v_proj: ['v_proj'], o_proj: ['o_proj'],
  gate_proj: ['gate_proj'], up_proj: ['up_proj'], down_proj: ['down_proj'],
  embed_tokens: ['embed_tokens'], lm_head: ['lm_head'],
  output_proj: ['o_proj'],
  qkv_proj: ['q_proj', 'k_proj', 'v_proj'],
  gate_up_proj: ['gate_proj', 'up_proj'],
  w1: ['gate_proj'], w2: ['down_proj'], w3: ['up_proj'],
}

/** Module paths of one decoder block as PEFT sees them, for a target given as a regular expression. */
const MODULE_PATHS: readonly [string, LoraTarget][] = [
  ['model.layers.0.self_attn.q_proj', 'q_proj'], ['model.layers.0.self_attn.k_proj', 'k_proj'],
  ['model.layers.0.self_attn.v_proj', 'v_proj'], ['model.layers.0.self_attn.o_proj', 'o_proj'],
  ['model.layers.0.mlp.gate_proj', 'gate_proj'], ['model.layers.0.mlp.up_proj', 'up_proj'], ['model.layers.0.mlp.down_proj', 'down_proj'],
  ['model.embed_tokens', 'embed_tokens'], ['lm_head', 'lm_head'],
]

/**
 * Target modules as the request names them. `names` is a list of module names (a dotted path counts
 * by its last part), "all-linear"/"all", or, for PEFT's string form, a regular expression matched
 * against whole module paths.
 */
export function loraTargets(reader: ConfigReader, path: string, names: string[], regex = false): LoraTarget[] {
  const out = new Set<LoraTarget>()
  if (regex && names.length === 1 && !/^all(-linear)?$/i.test(names[0]!)) {
    let pattern: RegExp
    try {
      pattern = new RegExp(`^(?:${names[0]!})$`)
    } catch {
      return reader.fail([path], `"${names[0]}" is not a regular expression`)
    }
    for (const [module, target] of MODULE_PATHS) if (pattern.test(module)) out.add(target)
    if (out.size === 0) reader.fail([path], `"${names[0]}" matches none of a decoder layer's modules (${MODULE_PATHS.map(([m]) => m).join(', ')})`)
    return [...out]
  }
  for (const raw of names) {
    if (/^all(-linear)?$/i.test(raw)) {
      for (const t of ALL_LINEAR) out.add(t)
      continue
    }
    const name = raw.split('.').at(-1)!
    const targets = TARGET_NAMES[name]
    if (!targets) reader.fail([path], `"${raw}" is not a module the estimate can adapt (${Object.keys(TARGET_NAMES).join(', ')}, all-linear)`)
    for (const t of targets) out.add(t)
  }
  return [...out]
}

export interface ShardingRead {
  sharding: Sharding
  offload: Offload
  note?: string
}

/** A DeepSpeed config (its JSON, or a dict inlined in the training config). */
export function deepspeedFromJson(config: Record<string, unknown>): ShardingRead | string {
  const zero = config.zero_optimization
  if (typeof zero !== 'object' || zero === null) return { sharding: 'ddp', offload: 'none', note: 'no zero_optimization: plain data parallelism (ZeRO stage 0)' }
  const z = zero as Record<string, unknown>
  const stage = typeof z.stage === 'string' ? Number(z.stage) : z.stage
  if (stage !== 0 && stage !== 1 && stage !== 2 && stage !== 3) return `zero_optimization.stage must be 0, 1, 2 or 3 (got ${JSON.stringify(z.stage)})`
  const device = (key: string) => {
    const block = z[key]
    const d = typeof block === 'object' && block !== null ? (block as Record<string, unknown>).device : undefined
    return d === 'cpu' || d === 'nvme'
  }
  return shardingOf(stage, device('offload_optimizer'), stage === 3 && device('offload_param'))
}

/**
 * The ZeRO stage and offload a DeepSpeed file's name implies, for a file the request did not carry:
 * axolotl's zero1.json … zero3_bf16_cpuoffload_all.json, LLaMA-Factory's ds_z0_config.json …
 * ds_z3_offload_config.json. Null when the name says no stage.
 */
export function deepspeedFromName(path: string): ShardingRead | null {
  const file = path.split(/[\\/]/).at(-1)!.toLowerCase()
  const stage = /(?:zero|(?:^|[^a-z])z)[_-]?([0-3])(?![0-9])/.exec(file)?.[1]
  if (stage === undefined) return null
  const s = Number(stage) as 0 | 1 | 2 | 3
  const offload = /offload/.test(file)
  if (!offload || /partial/.test(file)) return shardingOf(s, false, false)
  // "params" alone (axolotl's zero3_bf16_cpuoffload_params.json) offloads parameters, not the optimizer.
  const paramsOnly = /param/.test(file) && !/all/.test(file)
  return shardingOf(s, !paramsOnly, s === 3)
}

function shardingOf(stage: 0 | 1 | 2 | 3, optimizer: boolean, params: boolean): ShardingRead {
  const sharding: Sharding = stage === 0 ? 'ddp' : (`zero${stage}` as Sharding)
  if (optimizer && params) return { sharding, offload: 'optimizer-and-params' }
  if (optimizer) return { sharding, offload: 'optimizer' }
  if (params) {
    return { sharding, offload: 'none', note: 'parameters offloaded without the optimizer: the request has no such offload, so none is counted (an upper bound on GPU memory)' }
  }
  return { sharding, offload: 'none' }
}

/** transformers' `fsdp` option (a space-separated string or a list) with its fsdp_config. */
export function fsdpOf(options: string[], offloadParams: boolean | undefined): ShardingRead | string {
  const set = new Set(options.map((o) => o.toLowerCase()))
  const offload: Offload = set.has('offload') || offloadParams === true ? 'optimizer-and-params' : 'none'
  if (set.has('full_shard') || set.has('hybrid_shard')) return { sharding: 'fsdp', offload }
  if (set.has('shard_grad_op') || set.has('hybrid_shard_zero2')) {
    if (offload !== 'none') return 'shard_grad_op with offload has no counterpart in the estimate (offloading parameters needs full_shard)'
    return { sharding: 'zero2', offload: 'none', note: 'SHARD_GRAD_OP shards gradients and optimizer states as ZeRO-2 does' }
  }
  if (set.has('no_shard')) return { sharding: 'ddp', offload: 'none' }
  // auto_wrap alone (or FSDP2's config without a strategy) shards fully: FSDP's default.
  return { sharding: 'fsdp', offload, note: 'no sharding strategy named: FSDP\'s default, FULL_SHARD' }
}
