// Stack profiles: what each training stack does, per release, to the knobs that move memory and
// speed (which dtype the weights, adapters and unquantized parameters are stored in, how the loss
// holds the logits, whether batches vary in shape, whether autocast runs, how LoRA copies its
// input). A request names its stack in `training.framework`; every knob it leaves out comes from
// the profile, and every explicit field wins. Each default cites the stack's own source; the same
// table, with the release ranges, is docs/stack-profiles.md.

import type {
  AssumedDefault, Attention, Dtype, EstimateInput, FrameworkName, FrameworkSpec, HardwareSpec, LossImplementation, Optimizer, Precision,
} from './types.ts'

/** DeepSpeed runs its own mixed precision: the module is cast to 16 bits and no torch autocast is entered. */
export function isDeepSpeed(s: HardwareSpec['sharding']): boolean {
  return s === 'zero1' || s === 'zero2' || s === 'zero3'
}

/** A release as numbers: "0.9.6" → [0, 9, 6]; "2025-03" and "2025.3.19" → [2025, 3, …]. */
export type Version = number[]

export function parseVersion(text: string): Version | null {
  const m = /^(\d+)(?:[.-](\d+))?(?:\.(\d+))?(?:\.(\d+))?/.exec(text)
  if (!m) return null
  return m.slice(1).filter((x) => x !== undefined).map(Number)
}

/** a ≥ b, missing trailing parts read as 0. */
export function atLeast(a: Version, b: Version): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x > y
  }
  return true
}

const v = (text: string) => parseVersion(text)!

/** The releases a profile covers: the first it knows and the newest (the default when no version is given). */
interface Range { first: string; latest: string }

/** HF-based stacks run on transformers; torchtune and litgpt do not. */
const HF_BASED: ReadonlySet<FrameworkName> = new Set(['hf-trainer', 'trl', 'axolotl', 'llama-factory', 'ms-swift', 'unsloth'])

export const FRAMEWORK_RANGES: Record<Exclude<FrameworkName, 'custom'>, Range> = {
  'hf-trainer': { first: '4.31.0', latest: '5.2.0' },
  trl: { first: '0.7.0', latest: '1.9.0' },
  axolotl: { first: '0.3.0', latest: '0.18.0' },
  'llama-factory': { first: '0.2.0', latest: '0.9.5' },
  'ms-swift': { first: '1.5.0', latest: '4.5.2' },
  torchtune: { first: '0.1.0', latest: '0.6.1' },
  unsloth: { first: '2024-01', latest: '2026-03' },
  litgpt: { first: '0.1.0', latest: '0.5.13' },
}

/**
 * The transformers release a stack release ran on when the request does not say: the newest
 * transformers on PyPI when that stack release came out (its pins allow it). Pairs are
 * [stack release, transformers]; hf-trainer's version *is* the transformers release.
 */
const TRANSFORMERS_OF: Partial<Record<FrameworkName, [string, string][]>> = {
  trl: [['0.7', '4.33'], ['0.8', '4.38'], ['0.9', '4.41'], ['0.10', '4.44'], ['0.11', '4.45'], ['0.12', '4.46'], ['0.13', '4.47'], ['0.14', '4.48'],
    ['0.15', '4.49'], ['0.16', '4.50'], ['0.17', '4.51'], ['0.18', '4.52'], ['0.19', '4.53'], ['0.20', '4.54'], ['0.21', '4.55'], ['0.22', '4.56'],
    ['0.24', '4.57'], ['0.27', '5.0'], ['1.0', '5.1']],
  axolotl: [['0.3', '4.34'], ['0.4', '4.38'], ['0.5', '4.46'], ['0.6', '4.47'], ['0.7', '4.48'], ['0.8', '4.51'], ['0.10', '4.53'], ['0.12', '4.55'], ['0.13', '4.57'], ['0.16', '5.0']],
  'llama-factory': [['0.2', '4.33'], ['0.5', '4.38'], ['0.6', '4.39'], ['0.7', '4.41'], ['0.8', '4.42'], ['0.9.0', '4.45'], ['0.9.1', '4.46'], ['0.9.2', '4.49'], ['0.9.3', '4.52'], ['0.9.4', '4.56'], ['0.9.5', '4.57']],
  'ms-swift': [['1.5', '4.35'], ['1.6', '4.36'], ['2.0', '4.39'], ['2.4', '4.44'], ['2.6', '4.46'], ['3.0', '4.47'], ['3.2', '4.49'], ['3.5', '4.51'], ['3.8', '4.55'], ['3.10', '4.57'], ['4.0', '5.0']],
  unsloth: [['2024-01', '4.37'], ['2024-05', '4.41'], ['2024-08', '4.44'], ['2024-11', '4.46'], ['2025-01', '4.48'], ['2025-04', '4.51'], ['2025-08', '4.55'], ['2025-10', '4.57'], ['2026-01', '5.0']],
}

/** Where a default comes from. */
const SRC = {
  contract: 'contract default (shared/design/estimate-contract.md)',
  tfLoss431: 'huggingface/transformers@07360b6c:src/transformers/models/llama/modeling_llama.py (logits = logits.float() in forward, 4.31-4.45)',
  tfLoss446: 'huggingface/transformers@c1c7e896:src/transformers/loss/loss_utils.py (ForCausalLMLoss upcasts in the loss, 4.46-4.48)',
  tfLoss449: 'huggingface/transformers@8ebe9d71:src/transformers/loss/loss_utils.py (labels padded, no shifted copy, 4.49+)',
  tfDtype4: 'huggingface/transformers@v4.57.6:src/transformers/modeling_utils.py:1279-1290 (no torch_dtype: fp32)',
  tfDtype5: 'huggingface/transformers@6217adc6:src/transformers/modeling_utils.py (dtype "auto" by default, 5.0)',
  tfCollator: 'huggingface/transformers@50c3ba88:src/transformers/data/data_collator.py:237-267 (pad to the longest in the batch)',
  tfFusedAdam: 'huggingface/transformers@ae4e306a:src/transformers/training_args.py (adamw_torch_fused by default, 4.54+)',
  peftKbit: 'huggingface/peft@v0.12.0:src/peft/utils/other.py:123-128 (prepare_model_for_kbit_training casts every 16-bit parameter to fp32)',
  peftAdapterFp32: 'huggingface/peft@ae1ae20b:src/peft/tuners/tuners_utils.py (autocast_adapter_dtype=True: adapters fp32, v0.12+)',
  trlGc: 'huggingface/trl@v0.22.0:trl/trainer/sft_config.py:111-112 (gradient_checkpointing=True)',
  trlBf16: 'huggingface/trl@v0.19.0:trl/trainer/sft_config.py:252 (bf16 defaults to True)',
  trlDtype: 'huggingface/trl@v0.24.0:trl/trainer/utils.py:1979 (model dtype: transformers default)',
  trlAuto: 'huggingface/trl@v0.26.0:trl/trainer/utils.py:2007 (model dtype "auto")',
  trlFp32: 'huggingface/trl@v0.27.0:trl/trainer/utils.py:1154 (model dtype float32)',
  trlChunkedNll: 'huggingface/trl@v1.9.0:trl/trainer/sft_config.py:336 (loss_type chunked_nll by default, 1.7+)',
  trlKbit: 'huggingface/trl@v0.24.0:trl/models/utils.py:503-561 (prepare_model_for_kbit_training, then norms kept fp32, embeddings back to bf16)',
  trlQloraBf16: 'huggingface/trl@v1.9.0:trl/trainer/sft_trainer.py:1130 (QLoRA: no kbit preparation; trainable parameters cast to bf16)',
  axolotlDtype: 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/utils/config/__init__.py:192 (bf16: auto loads the weights in bf16)',
  axolotlUpcast: 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/loaders/model.py:426-478 (norms, embeddings, lm_head upcast to fp32 unless adapters, FSDP or flash attention)',
  axolotlQlora: 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/loaders/model.py:990-1023 (kbit preparation, then norms and embeddings back to bf16)',
  axolotlPad: 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/core/builders/causal.py:384-394 (pad to the longest, multiple of 64)',
  axolotlFusedAdam: 'axolotl-ai-cloud/axolotl@v0.8.0:src/axolotl/utils/schemas/training.py:54 (adamw_torch_fused)',
  lfUpcast: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/adapter.py:289-293 (trainable parameters upcast to fp32 unless pure_bf16)',
  lfGc: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/model_utils/checkpointing.py:155 (gradient checkpointing on)',
  lfQlora: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/model_utils/quantization.py:155-160 (no kbit preparation: unquantized parameters in the compute dtype)',
  lfCollator: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/train/sft/workflow.py:60 (pad to the longest, multiple of 8)',
  lfDropout: 'hiyouga/LLaMA-Factory@v0.6.0:src/llmtuner/hparams/finetuning_args.py:43-56 (lora_dropout 0)',
  swiftDtype: 'modelscope/ms-swift@v3.5.0:swift/llm/model/register.py:330-343 (weights in the config dtype, bf16)',
  swiftGc: 'modelscope/ms-swift@v3.0.0:swift/llm/argument/train_args.py:24 (gradient_checkpointing=True)',
  swiftQlora: 'modelscope/ms-swift@v3.5.0:swift/llm/model/register.py (no prepare_model_for_kbit_training call: unquantized parameters bf16)',
  swiftDropout: 'modelscope/ms-swift@v3.0.0:swift/llm/argument/tuner_args.py:110-118 (lora_dropout 0.05)',
  swiftLoraDtype: 'modelscope/ms-swift@c212b44f0:swift/llm/utils/argument.py (lora_dtype fp32)',
  swiftLogitsToKeep: 'modelscope/ms-swift@v3.10.0:swift/trainers/mixin.py:1026-1047 (use_logits_to_keep: logits of supervised tokens only)',
  unslothDtype: 'unslothai/unsloth@dae0870f:unsloth/models/loader.py:75 (dtype bf16)',
  unslothQlora: 'unslothai/unsloth-zoo@ce232d6c:unsloth_zoo/training_utils.py:300-425 (only trainable parameters cast; the rest stays bf16)',
  unslothLoraFp32: 'unslothai/unsloth@dae0870f:unsloth/models/_utils.py:159 (LoRA weights fp32)',
  unslothHalfLoss: 'unslothai/unsloth@dae0870f:unsloth/models/llama.py:890 (fast_cross_entropy_loss on 16-bit logits)',
  unslothCce: 'unslothai/unsloth@387dd13e:unsloth/models/llama.py:983 (fused_linear_cross_entropy, cut-cross-entropy)',
  unslothFusedCe: 'unslothai/unsloth@4819ad9c:unsloth/models/llama.py:1199 (unsloth_fused_ce_loss)',
  unslothGc: 'unslothai/unsloth@d9e78108:unsloth/models/llama.py:2229 (use_gradient_checkpointing="unsloth": layer inputs offloaded to the host)',
  unslothAlloc: 'unslothai/unsloth@c599ae0f:unsloth/__init__.py:37 (PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True)',
  torchtuneDtype: 'pytorch/torchtune@v0.6.1:recipes/lora_finetune_single_device.py:431 (built under set_default_dtype(bf16): weights, adapters and states bf16)',
  torchtuneLoss: 'pytorch/torchtune@651a7300:torchtune/modules/loss/ce_chunked_output_loss.py:30,42 (CEWithChunkedOutputLoss, 8 chunks, v0.3+)',
  torchtuneLoss02: 'pytorch/torchtune@v0.2.0:torchtune/modules/transformer.py:246 (output(h).float(), nn.CrossEntropyLoss)',
  torchtuneGc: 'pytorch/torchtune@v0.6.1:recipes/configs/llama3/8B_lora_single_device.yaml (enable_activation_checkpointing: True)',
  torchtuneCollate: 'pytorch/torchtune@v0.6.1:recipes/lora_finetune_single_device.py:308 (padded_collate_sft: pad to the longest)',
  litgptPrecision: 'Lightning-AI/litgpt@v0.5.13:litgpt/utils.py:377-380 (bf16-mixed by default: fp32 weights, autocast)',
  litgptLoss: 'Lightning-AI/litgpt@v0.3.1:litgpt/utils.py:247-250 (chunked_cross_entropy, 128-token chunks, no upcast)',
  litgptGc: 'Lightning-AI/litgpt@v0.3.1:litgpt/finetune/lora.py:132-138 (activation checkpointing per Block under FSDP only)',
  litgptQuant: 'Lightning-AI/pytorch-lightning@71aed751:src/lightning/fabric/plugins/precision/bitsandbytes.py (every nn.Linear quantized; the rest in the precision dtype)',
  litgptDropout: 'Lightning-AI/litgpt@v0.3.1:litgpt/finetune/lora.py:47-55 (lora_dropout 0.05)',
  litgptCollate: 'Lightning-AI/litgpt@v0.5.13:litgpt/data/base.py (get_sft_collate_fn: pad to the longest in the batch)',
  peftDropout: 'huggingface/peft@v0.12.0:src/peft/tuners/lora/config.py (lora_dropout 0.0)',
  trlDropout: 'huggingface/trl@v0.24.0:trl/trainer/sft_trainer.py (LoraConfig from the user; PEFT default lora_dropout 0.0)',
  hfGcOff: 'huggingface/transformers@v4.57.6:src/transformers/training_args.py:1405 (gradient_checkpointing=False)',
  hfAttention: 'huggingface/transformers@v4.57.6:src/transformers/modeling_utils.py:2696 (sdpa when no attn_implementation is given)',
  axolotlGcOff: 'axolotl-ai-cloud/axolotl@v0.18.0:src/axolotl/utils/schemas/config.py:600-601 (gradient_checkpointing off)',
  lfAttention: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/model_utils/attention.py:33-48 (flash_attn auto: transformers picks sdpa)',
  lfPrecision: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/patcher.py:103,144 (compute dtype bf16 where supported)',
  swiftAttention: 'modelscope/ms-swift@v3.5.0:swift/llm/argument/base_args/model_args.py:44 (attn_impl None: transformers default, sdpa)',
  unslothGcOn: 'unslothai/unsloth@dae0870f:unsloth/models/llama.py:1466 (use_gradient_checkpointing=True)',
  torchtunePrecision: 'pytorch/torchtune@v0.2.0:recipes/configs/llama3/8B_lora_single_device.yaml:79 (dtype: bf16, no autocast)',
  torchtuneAttention: 'pytorch/torchtune@v0.6.1:torchtune/modules/attention.py (F.scaled_dot_product_attention)',
  litgptAttention: 'Lightning-AI/litgpt@v0.5.13:litgpt/model.py (F.scaled_dot_product_attention, is_causal)',
} as const

export interface StackProblem { field: string; message: string }

/** Checks a framework block; the version must fall where the profile can place it. */
export function frameworkProblems(fw: FrameworkSpec | undefined): StackProblem[] {
  if (!fw) return []
  const problems: StackProblem[] = []
  if (fw.transformers !== undefined) {
    if (!HF_BASED.has(fw.name)) problems.push({ field: 'training.framework.transformers', message: `applies only to stacks built on transformers; ${fw.name} is not` })
    else if (!atLeast(parseVersion(fw.transformers) ?? [0], v('4.30'))) problems.push({ field: 'training.framework.transformers', message: `${fw.transformers} predates the releases the profiles cover (4.30 and later)` })
  }
  if (fw.name === 'custom') {
    if (fw.version !== undefined) problems.push({ field: 'training.framework.version', message: 'a custom stack has no profile, so no version to place' })
    return problems
  }
  if (fw.version !== undefined) {
    const parsed = parseVersion(fw.version)
    const range = FRAMEWORK_RANGES[fw.name]
    const snapshot = fw.name === 'unsloth'
    if (!parsed || (snapshot && parsed[0]! < 2000) || (!snapshot && parsed[0]! >= 2000)) {
      problems.push({ field: 'training.framework.version', message: snapshot ? `unsloth releases are dated: give "YYYY-MM" or "YYYY.M.P" (got "${fw.version}")` : `${fw.name} releases are numbered like "${range.latest}" (got "${fw.version}")` })
    } else if (!atLeast(parsed, v(range.first))) {
      problems.push({ field: 'training.framework.version', message: `${fw.name} ${fw.version} predates the releases its profile covers (${range.first} to ${range.latest})` })
    }
  }
  return problems
}

/** What a profile decides, beyond the request's own fields. */
export interface Stack {
  framework: { name: FrameworkName; version: string | null; transformers: string | null }
  /** Storage dtype of trainable base weights, and of frozen ones (LLaMA-Factory upcasts only what trains). */
  trainableDtype: Dtype
  frozenDtype: Dtype
  /** LoRA A/B storage dtype. */
  adapterDtype: Dtype
  /** qlora: dtype of embeddings, norms and lm_head (equal to frozenDtype otherwise). */
  nonQuantizedDtype: Dtype
  /** dtype of the hidden states between layers: fp32 when the embedding and norm weights are fp32. */
  residualDtype: Dtype
  /** torch autocast around forward (HF Trainer / Lightning "-mixed" precision); DeepSpeed and pure 16-bit do not. */
  autocast: boolean
  /** The optimizer keeps an fp32 master copy of 16-bit trainable weights (DeepSpeed mixed precision). */
  master: boolean
  loss: LossImplementation
  /** fp32 loss: bytes per token × vocab alive at the loss peak for this transformers release. */
  fp32LossBytesPerVocab: number
  /** chunked loss: each chunk upcast to fp32 (torchtune) or computed in the 16-bit dtype (litgpt under bf16-true). */
  chunkUpcast: boolean
  /** Which kernel a fused loss is: it sets what stays alive (src/estimation/memory.ts). */
  fusedLoss: 'liger' | 'cut-cross-entropy' | 'trl-chunked-nll' | 'unsloth'
  /** Logits only for supervised tokens (ms-swift use_logits_to_keep): the loss terms scale with their share. */
  supervisedShare: number
  sequenceLengths: 'fixed' | 'variable'
  expandableSegments: boolean
  activationOffload: boolean
  /** Each LoRA-adapted linear keeps its own copy of its input (PEFT casts it to the adapter dtype; litgpt's dropout). */
  loraInputPerAdapter: boolean
  loraDropout: number
  /** HF's SDPA path repeats k/v to every query head before the kernel (repeat_kv); FlashAttention-2 takes GQA as is. */
  kvRepeated: boolean
  /** HF builds a 4-D additive mask (batch × seq × seq in the embedding dtype) for SDPA/eager when batches are padded. */
  mask4d: boolean
  /** bitsandbytes ≤ 0.43.1 MatMul4Bit kept its input for backward (fixed by bitsandbytes#1270, July 2024). */
  bnbSavesInput: boolean
  /** AdamW as torch's foreach implementation (a step temporary as large as the states) rather than fused. */
  foreachAdam: boolean
  /** FSDP1 flat parameters that mix frozen and trainable weights get gradients for the whole flat parameter. */
  fsdpFlatFrozenGrads: boolean
  /** How weights reach the GPU: per tensor (device_map / meta + shard), or the whole model before sharding. */
  loadsFullCopyPerRank: boolean
  defaults: AssumedDefault[]
}

type Knob<T> = { value: T; source: string }
const k = <T>(value: T, source: string): Knob<T> => ({ value, source })

function lookupTransformers(name: FrameworkName, version: Version): string | null {
  const table = TRANSFORMERS_OF[name]
  if (!table) return null
  let found: string | null = null
  for (const [since, tf] of table) if (atLeast(version, v(since))) found = tf
  return found ?? table[0]![1]
}

/** The framework as the profile will use it: version and transformers release filled in. */
export function placeFramework(fw: FrameworkSpec | undefined): Stack['framework'] & { defaults: AssumedDefault[] } {
  const name = fw?.name ?? 'custom'
  const defaults: AssumedDefault[] = []
  if (name === 'custom') return { name, version: null, transformers: fw?.transformers ?? null, defaults }
  const range = FRAMEWORK_RANGES[name]
  let version = fw?.version
  if (version === undefined) {
    version = range.latest
    defaults.push({ field: 'training.framework.version', value: version, source: 'the newest release the profile knows (docs/stack-profiles.md)' })
  }
  let transformers: string | null = fw?.transformers ?? null
  if (name === 'hf-trainer') transformers = version
  else if (transformers === null && HF_BASED.has(name)) {
    transformers = lookupTransformers(name, parseVersion(version) ?? v(range.latest))
    defaults.push({ field: 'training.framework.transformers', value: transformers, source: `the transformers release current when ${name} ${version} came out (docs/stack-profiles.md)` })
  }
  return { name, version, transformers, defaults }
}

/**
 * Training defaults a profile sets that do not depend on the method (precision, optimizer,
 * checkpointing, attention), applied by applyDefaults where the request leaves them out.
 */
export function trainingDefaults(fw: FrameworkSpec | undefined, hardware: Pick<HardwareSpec, 'count' | 'sharding'>): {
  precision: Knob<Precision>; optimizer: Knob<Optimizer>; gradientCheckpointing: Knob<boolean>; attention: Knob<Attention>
} {
  const placed = placeFramework(fw)
  const ver = placed.version === null ? null : parseVersion(placed.version)!
  const tf = placed.transformers === null ? null : parseVersion(placed.transformers)
  const contract = {
    precision: k<Precision>('bf16-mixed', SRC.contract),
    optimizer: k<Optimizer>('adamw', SRC.contract),
    gradientCheckpointing: k(false, SRC.contract),
    attention: k<Attention>('flash', SRC.contract),
  }
  const hfAttention = k<Attention>('sdpa', tf && atLeast(tf, v('4.36')) ? SRC.hfAttention : SRC.contract)
  switch (placed.name) {
    case 'custom': return contract
    case 'hf-trainer': return { ...contract, gradientCheckpointing: k(false, SRC.hfGcOff), attention: hfAttention }
    case 'trl': return {
      ...contract,
      precision: k<Precision>('bf16-mixed', atLeast(ver!, v('0.19')) ? SRC.trlBf16 : SRC.contract),
      gradientCheckpointing: atLeast(ver!, v('0.22')) ? k(true, SRC.trlGc) : k(false, SRC.hfGcOff),
      attention: hfAttention,
    }
    case 'axolotl': return { ...contract, gradientCheckpointing: k(false, SRC.axolotlGcOff), attention: hfAttention }
    case 'llama-factory': return { ...contract, precision: k<Precision>('bf16-mixed', SRC.lfPrecision), gradientCheckpointing: k(true, SRC.lfGc), attention: k<Attention>('sdpa', SRC.lfAttention) }
    case 'ms-swift': return { ...contract, gradientCheckpointing: k(true, SRC.swiftGc), attention: k<Attention>('sdpa', SRC.swiftAttention) }
    case 'unsloth': return { ...contract, gradientCheckpointing: k(true, SRC.unslothGcOn), attention: k<Attention>('flash', SRC.contract) }
    case 'torchtune': return { ...contract, precision: k<Precision>('bf16', SRC.torchtunePrecision), gradientCheckpointing: k(true, SRC.torchtuneGc), attention: k<Attention>('sdpa', SRC.torchtuneAttention) }
    case 'litgpt': {
      const sharded = hardware.count > 1
      return { ...contract, precision: k<Precision>('bf16-mixed', SRC.litgptPrecision), gradientCheckpointing: k(sharded, SRC.litgptGc), attention: k<Attention>('sdpa', SRC.litgptAttention) }
    }
  }
}

const bytesOf = (d: Dtype) => (d === 'fp32' ? 4 : 2)
const half = (p: Precision): Dtype => (p.startsWith('fp16') ? 'fp16' : 'bf16')

/** Bytes per token × vocab alive at the peak of transformers' own fp32 loss (docs/stack-profiles.md, "The loss"). */
function hfLossBytes(tf: Version | null): Knob<number> {
  if (tf && atLeast(tf, v('4.46')) && !atLeast(tf, v('4.49'))) return k(14, SRC.tfLoss446)
  if (tf && atLeast(tf, v('4.49'))) return k(12, SRC.tfLoss449)
  return k(12, SRC.tfLoss431)
}

/**
 * The profile's physics for one estimate. Pure: every value follows from the request, so the
 * comparison and advisor variants (other methods, GPU counts) get their own.
 */
export function resolveStack(input: EstimateInput): Stack {
  const { training: t, method, hardware } = input
  const placed = placeFramework(t.framework)
  const name = placed.name
  const ver = placed.version === null ? null : parseVersion(placed.version)!
  const tf = placed.transformers === null ? null : parseVersion(placed.transformers)
  const at = (release: string) => ver !== null && atLeast(ver, v(release))
  const precision = t.precision
  const mixed = precision.endsWith('-mixed')
  const compute = precision === 'fp32' ? 'fp32' : half(precision)
  const deepspeed = isDeepSpeed(hardware.sharding)
  const adapters = method.type === 'lora' || method.type === 'qlora'
  const trainsBase = method.type === 'full' || method.type === 'freeze'
  const defaults: AssumedDefault[] = [...placed.defaults]
  const hfBased = HF_BASED.has(name)

  // Weights: what the stack loads them in, and what it makes of the trainable ones.
  let frozen: Knob<Dtype>
  let trainable: Knob<Dtype> | null = null
  if (precision === 'fp32') frozen = k('fp32', SRC.contract)
  else switch (name) {
    case 'custom': frozen = k(compute, SRC.contract); break
    case 'hf-trainer': frozen = tf && atLeast(tf, v('5.0')) ? k(compute, SRC.tfDtype5) : k('fp32', SRC.tfDtype4); break
    case 'trl':
      frozen = at('0.27') ? k('fp32', SRC.trlFp32) : at('0.26') ? k(compute, SRC.trlAuto) : tf && atLeast(tf, v('5.0')) ? k(compute, SRC.tfDtype5) : k('fp32', SRC.trlDtype)
      break
    case 'axolotl':
      frozen = k(compute, SRC.axolotlDtype)
      break
    case 'llama-factory':
      frozen = k(compute, SRC.lfPrecision)
      if (trainsBase && mixed && !(deepspeed && hardware.sharding === 'zero3')) trainable = k('fp32', SRC.lfUpcast)
      break
    case 'ms-swift': frozen = k(compute, SRC.swiftDtype); break
    case 'unsloth': frozen = k(compute, SRC.unslothDtype); break
    case 'torchtune': frozen = k(compute, SRC.torchtuneDtype); break
    case 'litgpt': frozen = mixed ? k('fp32', SRC.litgptPrecision) : k(compute, SRC.litgptPrecision); break
  }
  // QLoRA keeps the quantized base in its storage; the weightsDtype knob speaks of the rest.
  if (t.weightsDtype !== undefined) {
    frozen = k(t.weightsDtype, 'request')
    trainable = null
  } else {
    defaults.push({ field: 'training.weightsDtype', value: trainable?.value ?? frozen.value, source: trainable?.source ?? frozen.source })
  }
  const trainableDtype = trainable?.value ?? frozen.value

  // Unquantized parameters under QLoRA.
  let nonQuantized: Knob<Dtype> = k(frozen.value, 'the weights dtype')
  if (method.type === 'qlora') {
    if (method.nonQuantizedDtype !== undefined) nonQuantized = k(method.nonQuantizedDtype, 'request')
    else {
      switch (name) {
        case 'hf-trainer': nonQuantized = k('fp32', SRC.peftKbit); break
        case 'trl': nonQuantized = at('0.27') ? k('fp32', SRC.trlFp32) : at('0.26') ? k(compute, SRC.trlQloraBf16) : k('fp32', SRC.trlKbit); break
        case 'axolotl': nonQuantized = k(compute, SRC.axolotlQlora); break
        case 'llama-factory': nonQuantized = k(compute, SRC.lfQlora); break
        case 'ms-swift': nonQuantized = k(compute, SRC.swiftQlora); break
        case 'unsloth': nonQuantized = k(compute, SRC.unslothQlora); break
        case 'litgpt': nonQuantized = k(compute, SRC.litgptQuant); break
        default: nonQuantized = k(compute === 'fp32' ? 'fp32' : compute, SRC.contract)
      }
      defaults.push({ field: 'method.nonQuantizedDtype', value: nonQuantized.value, source: nonQuantized.source })
    }
  }

  // LoRA adapters: PEFT ≥ 0.12 keeps them fp32 (autocast_adapter_dtype); torchtune in the model dtype;
  // litgpt in the precision's dtype; DeepSpeed casts the whole module to 16 bits.
  let adapterDtype: Dtype = trainableDtype
  if (adapters) {
    if (deepspeed && mixed) adapterDtype = compute
    else if (name === 'torchtune') adapterDtype = compute
    else if (name === 'litgpt') adapterDtype = frozen.value
    else if (name === 'trl' && method.type === 'qlora' && at('0.26')) adapterDtype = compute
    else if (name === 'custom') adapterDtype = mixed || precision === 'fp32' ? 'fp32' : compute
    else adapterDtype = 'fp32'
  }

  // The residual stream carries the dtype of the embedding output and the norm weights.
  const embeddingsDtype = method.type === 'qlora' ? nonQuantized.value : name === 'axolotl' && method.type === 'full' && t.weightsDtype === undefined && t.attention === 'sdpa' && hardware.sharding !== 'fsdp' ? 'fp32' : trainsBase ? trainableDtype : frozen.value
  const residualDtype: Dtype = bytesOf(embeddingsDtype) === 4 || precision === 'fp32' ? 'fp32' : compute
  if (name === 'axolotl' && method.type === 'full' && embeddingsDtype === 'fp32' && t.weightsDtype === undefined) {
    defaults.push({ field: 'training.weightsDtype', value: 'bf16 decoder, fp32 embeddings, norms and lm_head', source: SRC.axolotlUpcast })
  }

  // Autocast runs where mixed precision is the trainer's (HF Trainer through accelerate, Lightning);
  // DeepSpeed casts the module itself; torchtune and Lightning's "-true" run pure 16-bit.
  const autocast = mixed && !deepspeed && name !== 'torchtune'
  // A master copy exists where the optimizer holds fp32 weights beside 16-bit ones: DeepSpeed's mixed
  // precision, and the contract's own reading of "-mixed" for a stack without a profile.
  const master = mixed && bytesOf(trainableDtype) === 2 && (deepspeed || name === 'custom')

  // The loss.
  let loss: Knob<LossImplementation>
  let fusedLoss: Stack['fusedLoss'] = 'liger'
  switch (name) {
    case 'trl': loss = at('1.7') ? k('fused', SRC.trlChunkedNll) : k('fp32', hfLossBytes(tf).source); fusedLoss = at('1.7') ? 'trl-chunked-nll' : 'liger'; break
    case 'torchtune': loss = at('0.3') ? k('chunked', SRC.torchtuneLoss) : k('fp32', SRC.torchtuneLoss02); break
    case 'litgpt': loss = k('chunked', SRC.litgptLoss); break
    case 'unsloth': {
      const month = ver ?? v('2026-03')
      if (atLeast(month, v('2025-09'))) { loss = k('fused', SRC.unslothFusedCe); fusedLoss = 'unsloth' } else if (atLeast(month, v('2024-11'))) { loss = k('fused', SRC.unslothCce); fusedLoss = 'cut-cross-entropy' } else loss = k('half', SRC.unslothHalfLoss)
      break
    }
    case 'custom': loss = k('fp32', SRC.contract); break
    default: loss = k('fp32', hfLossBytes(tf).source)
  }
  if (t.loss !== undefined) {
    loss = k(t.loss, 'request')
    if (t.loss === 'fused' && name !== 'unsloth' && name !== 'trl') fusedLoss = 'liger'
  } else defaults.push({ field: 'training.loss', value: loss.value, source: loss.source })
  const fp32LossBytesPerVocab = hfBased ? hfLossBytes(tf).value : 12

  // Batches: every profiled stack pads each batch to its longest sequence unless it packs.
  let lengths: Knob<'fixed' | 'variable'> = k('fixed', SRC.contract)
  switch (name) {
    case 'custom': break
    case 'axolotl': lengths = k('variable', SRC.axolotlPad); break
    case 'llama-factory': lengths = k('variable', SRC.lfCollator); break
    case 'torchtune': lengths = k('variable', SRC.torchtuneCollate); break
    case 'litgpt': lengths = k('variable', SRC.litgptCollate); break
    default: lengths = k('variable', SRC.tfCollator)
  }
  if (t.sequenceLengths !== undefined) lengths = k(t.sequenceLengths, 'request')
  else defaults.push({ field: 'training.sequenceLengths', value: lengths.value, source: lengths.source })

  let expandable = k(false, SRC.contract)
  if (name === 'unsloth') expandable = k(true, SRC.unslothAlloc)
  if (t.expandableSegments !== undefined) expandable = k(t.expandableSegments, 'request')
  else defaults.push({ field: 'training.expandableSegments', value: expandable.value, source: expandable.source })

  // Unsloth's "unsloth" checkpointing sends each layer's input to the host (August 2025 on).
  let offload = k(false, SRC.contract)
  if (name === 'unsloth' && ver && atLeast(ver, v('2025-08')) && t.gradientCheckpointing) offload = k(true, SRC.unslothGc)
  if (t.activationOffload !== undefined) offload = k(t.activationOffload, 'request')
  else if (offload.value) defaults.push({ field: 'training.activationOffload', value: true, source: offload.source })

  let dropout = k(0, SRC.peftDropout)
  if (name === 'ms-swift') dropout = k(0.05, SRC.swiftDropout)
  else if (name === 'litgpt') dropout = k(0.05, SRC.litgptDropout)
  else if (name === 'llama-factory') dropout = k(0, SRC.lfDropout)
  if (method.dropout !== undefined) dropout = k(method.dropout, 'request')
  else if (adapters && name !== 'custom') defaults.push({ field: 'method.dropout', value: dropout.value, source: dropout.source })

  const peftCopies = hfBased && adapters && (adapterDtype !== compute || dropout.value > 0)
  const litgptCopies = name === 'litgpt' && adapters && dropout.value > 0
  const foreach = !(tf && atLeast(tf, v('4.54'))) && !(name === 'axolotl' && at('0.8'))

  return {
    framework: { name, version: placed.version, transformers: placed.transformers },
    trainableDtype,
    frozenDtype: frozen.value,
    adapterDtype,
    nonQuantizedDtype: nonQuantized.value,
    residualDtype,
    autocast,
    master,
    loss: loss.value,
    fp32LossBytesPerVocab,
    chunkUpcast: name !== 'litgpt' || autocast,
    fusedLoss,
    supervisedShare: 1,
    sequenceLengths: lengths.value,
    expandableSegments: expandable.value,
    activationOffload: offload.value,
    loraInputPerAdapter: peftCopies || litgptCopies,
    loraDropout: dropout.value,
    kvRepeated: t.attention !== 'flash' && name !== 'custom',
    mask4d: hfBased && t.attention !== 'flash' && lengths.value === 'variable',
    bnbSavesInput: method.type === 'qlora' && hfBased && tf !== null && !atLeast(tf, v('4.43')),
    foreachAdam: foreach,
    fsdpFlatFrozenGrads: hardware.sharding === 'fsdp' && adapters && name === 'litgpt' && !(ver && atLeast(ver, v('0.5.11'))),
    loadsFullCopyPerRank: false,
    defaults,
  }
}

export { bytesOf as dtypeBytes }
