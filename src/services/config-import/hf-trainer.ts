// Keys every Transformers-Trainer-based tool shares (TRL and LLaMA-Factory take TrainingArguments
// by their own names; axolotl passes several of them through): batch, accumulation, epochs and
// steps, mixed precision, optimizer, checkpointing, DeepSpeed and FSDP, compile, Liger, learning rate.
import { ValidationError } from '../../contract/errors.ts'
import { ConfigDocument, type ConfigReader } from './config-document.ts'
import type { Implied } from './implied-request.ts'
import { deepspeedFromJson, deepspeedFromName, fsdpOf, optimizerOf, type Dtype, type ShardingRead } from './vocabulary.ts'

/** transformers TrainingArguments (training_args.py), the defaults TRL and LLaMA-Factory inherit. */
export const TRAINING_ARGS_SOURCE = 'huggingface/transformers TrainingArguments default'

export interface MapContext {
  /** Files the request carried, by the path the config names them with. */
  files: Readonly<Record<string, string>>
}

/** per_device_train_batch_size, gradient_accumulation_steps, num_train_epochs, max_steps, learning_rate. */
export function readBatchAndSchedule(r: ConfigReader, out: Implied): void {
  out.set(r, 'per_device_train_batch_size', '/training/microBatchSize', r.int('per_device_train_batch_size'))
  out.toolDefault('/training/microBatchSize', 8, `${TRAINING_ARGS_SOURCE} (per_device_train_batch_size=8)`)
  out.set(r, 'gradient_accumulation_steps', '/training/gradientAccumulationSteps', r.int('gradient_accumulation_steps'))
  const maxSteps = r.int('max_steps', -1)
  if (maxSteps !== undefined && maxSteps > 0) {
    out.steps = { steps: maxSteps, origin: { reader: r, path: 'max_steps' }, perEpoch: false }
    // max_steps wins over num_train_epochs in the Trainer; the epochs key is read but has no effect then.
    r.value('num_train_epochs')
  } else {
    out.set(r, 'num_train_epochs', '/training/epochs', r.num('num_train_epochs'))
  }
  readLearningRate(r, 'learning_rate', out)
}

export function readLearningRate(r: ConfigReader, path: string, out: Implied): void {
  const lr = r.num(path)
  if (lr === undefined) return
  if (!(lr > 0 && lr <= 1)) r.fail([path], 'must be a learning rate in (0, 1]')
  out.set(r, path, '/forgetting/learningRate', lr, 'the forgetting-risk model reads the peak learning rate')
}

/**
 * bf16 / fp16 as the Trainer reads them: autocast in that dtype over the loaded weights. Both on
 * is a contradiction; both explicitly off leaves fp32 math, or pure 16-bit when the weights are
 * loaded in 16 bits (`halfWeights`).
 */
export function readMixedPrecision(r: ConfigReader, out: Implied, halfWeights: Dtype | null, bf16Key = 'bf16', fp16Key = 'fp16'): void {
  const bf16Raw = r.value(bf16Key)
  const bf16 = bf16Raw === 'auto' ? 'auto' : r.bool(bf16Key)
  const fp16 = r.bool(fp16Key)
  if ((bf16 === true || bf16 === 'auto') && fp16 === true) r.fail([bf16Key, fp16Key], `${bf16Key} and ${fp16Key} cannot both be on: the Trainer autocasts in one of them`)
  if (fp16 === true) out.set(r, fp16Key, '/training/precision', 'fp16-mixed')
  else if (bf16 === true) out.set(r, bf16Key, '/training/precision', 'bf16-mixed')
  else if (bf16 === 'auto') out.set(r, bf16Key, '/training/precision', 'bf16-mixed', 'auto: bf16 on every GPU that supports it (Ampere and newer)')
  else if (bf16 === false) {
    if (halfWeights && halfWeights !== 'fp32') out.set(r, bf16Key, '/training/precision', halfWeights, `no autocast over ${halfWeights} weights: pure ${halfWeights}`)
    else out.set(r, bf16Key, '/training/precision', 'fp32', 'neither bf16 nor fp16: fp32 math')
  }
}

export function readOptimizer(r: ConfigReader, path: string, out: Implied): void {
  out.set(r, path, '/training/optimizer', optimizerOf(r, path))
}

export function readCheckpointing(r: ConfigReader, path: string, out: Implied): void {
  out.set(r, path, '/training/gradientCheckpointing', r.bool(path))
  // use_reentrant and friends change how, not what, is recomputed.
  r.value(`${path}_kwargs`)
}

export function readCompile(r: ConfigReader, path: string, out: Implied): void {
  out.set(r, path, '/training/compile', r.bool(path))
}

/** Liger's kernels patched in by the Trainer: its fused linear cross-entropy never materialises the logits. */
export function readLiger(r: ConfigReader, path: string, out: Implied): void {
  if (r.bool(path) === true) out.set(r, path, '/training/loss', 'fused', 'Liger\'s fused linear cross-entropy (on by default with the kernels): no logits materialised')
}

function applySharding(r: ConfigReader, path: string, out: Implied, read: ShardingRead, note: string | undefined): void {
  const notes = [note, read.note].filter(Boolean).join('; ')
  out.set(r, path, '/hardware/sharding', read.sharding, notes || undefined)
  if (read.offload !== 'none') out.set(r, path, '/hardware/offload', read.offload, notes || undefined)
}

/** `deepspeed`: a path to a ZeRO JSON (read from `files` when sent, else inferred from its name) or an inline dict. */
export function readDeepspeed(r: ConfigReader, path: string, out: Implied, ctx: MapContext): boolean {
  const value = r.value(path)
  if (value === undefined) return false
  if (typeof value === 'object' && !Array.isArray(value)) {
    const read = deepspeedFromJson(value as Record<string, unknown>)
    if (typeof read === 'string') r.fail([path], read)
    applySharding(r, path, out, read, 'read from the inline DeepSpeed config')
    return true
  }
  if (typeof value !== 'string') r.fail([path], 'must be the path of a DeepSpeed JSON config, or the config itself')
  const file = fileFor(ctx, value)
  if (file) {
    const doc = ConfigDocument.parse(file.text, `/files/${file.key.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    const read = deepspeedFromJson(doc.root)
    if (typeof read === 'string') throw ValidationError.of([doc.errorAt('zero_optimization.stage', read)], 'CONFIG_INVALID')
    applySharding(r, path, out, read, `read from files["${file.key}"]`)
    return true
  }
  const read = deepspeedFromName(value)
  if (!read) r.fail([path], `"${value}" names no ZeRO stage (zero1…zero3, z0…z3) and the file was not sent; send its text in files["${value}"]`)
  applySharding(r, path, out, read, `inferred from the file name ${value}: the file itself was not read (send it in files to read it)`)
  return true
}

/** A carried file by the path the config names, or by its base name (configs name paths relative to where they run). */
function fileFor(ctx: MapContext, path: string): { key: string; text: string } | null {
  if (ctx.files[path] !== undefined) return { key: path, text: ctx.files[path] }
  const base = path.split(/[\\/]/).at(-1)
  const key = Object.keys(ctx.files).find((k) => k.split(/[\\/]/).at(-1) === base)
  return key === undefined ? null : { key, text: ctx.files[key]! }
}

/**
 * `fsdp` ("full_shard auto_wrap offload" or a list) and `fsdp_config` (fsdp_offload_params or, in
 * FSDP2 configs, offload_params; activation checkpointing), as the Trainer and axolotl read them.
 */
export function readFsdp(r: ConfigReader, out: Implied, fsdpKey = 'fsdp', configKey = 'fsdp_config'): boolean {
  const options = r.list(fsdpKey)?.flatMap((o) => o.split(/\s+/)).filter(Boolean)
  const config = r.object(configKey)
  if (!options?.length && !config) return false
  const offloadKey = config && 'fsdp_offload_params' in config ? `${configKey}.fsdp_offload_params` : `${configKey}.offload_params`
  const offloadParams = config ? r.bool(offloadKey) : undefined
  const read = fsdpOf(options ?? [], offloadParams)
  const key = options?.length ? fsdpKey : configKey
  if (typeof read === 'string') r.fail([key], read)
  applySharding(r, key, out, read, undefined)
  if (offloadParams === true) out.set(r, offloadKey, '/hardware/offload', 'optimizer-and-params', 'FSDP CPU offload: parameters and gradients on the host, the optimizer step there too')
  if (config) {
    for (const ac of [`${configKey}.fsdp_activation_checkpointing`, `${configKey}.activation_checkpointing`]) {
      if (r.bool(ac) === true) out.set(r, ac, '/training/gradientCheckpointing', true, 'FSDP\'s activation checkpointing')
    }
  }
  return true
}

/** Both DeepSpeed and FSDP: the Trainer refuses the pair. */
export function refuseBothShardings(r: ConfigReader, deepspeedKey: string, fsdpKeys: string[]): void {
  const fsdp = fsdpKeys.filter((k) => r.has(k))
  if (r.has(deepspeedKey) && fsdp.length > 0) r.fail([deepspeedKey, ...fsdp], 'DeepSpeed and FSDP cannot both shard the same run')
}
