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

/** HF-based stacks run on transformers; torchtune and litgpt do not. */
const HF_BASED: ReadonlySet<FrameworkName> = new Set(['hf-trainer', 'trl', 'axolotl', 'llama-factory', 'ms-swift', 'unsloth'])

/**
 * Each stack's releases (minor versions) with their dates, from the repositories' tags; a "YYYY-MM"
 * snapshot is read as the newest release of that month. The first entry is the oldest the profile
 * covers: lit-gpt's 2023 code is litgpt's first entry, Unsloth publishes monthly snapshots.
 */
export const RELEASES: Record<Exclude<FrameworkName, 'custom'>, [string, string][]> = {
  'hf-trainer': [['4.31', '2023-07-18'], ['4.32', '2023-08-22'], ['4.33', '2023-09-07'], ['4.34', '2023-10-03'], ['4.35', '2023-11-02'], ['4.36', '2023-12-11'],
    ['4.37', '2024-01-22'], ['4.38', '2024-02-21'], ['4.39', '2024-03-20'], ['4.40', '2024-04-18'], ['4.41', '2024-05-17'], ['4.42', '2024-06-27'], ['4.43', '2024-07-23'],
    ['4.44', '2024-08-06'], ['4.45', '2024-09-25'], ['4.46', '2024-10-24'], ['4.47', '2024-12-05'], ['4.48', '2025-01-10'], ['4.49', '2025-02-17'], ['4.50', '2025-03-21'],
    ['4.51', '2025-04-05'], ['4.52', '2025-05-20'], ['4.53', '2025-06-26'], ['4.54', '2025-07-25'], ['4.55', '2025-08-05'], ['4.56', '2025-08-29'], ['4.57', '2025-10-07'],
    ['5.0', '2025-12-15'], ['5.13', '2026-11-01']],
  trl: [['0.7', '2023-08-30'], ['0.8', '2024-03-19'], ['0.9', '2024-06-05'], ['0.10', '2024-08-29'], ['0.11', '2024-09-19'], ['0.12', '2024-11-01'], ['0.13', '2024-12-15'],
    ['0.14', '2025-01-29'], ['0.15', '2025-02-13'], ['0.16', '2025-03-22'], ['0.17', '2025-04-24'], ['0.18', '2025-05-28'], ['0.19', '2025-06-20'], ['0.20', '2025-07-29'],
    ['0.21', '2025-08-05'], ['0.22', '2025-08-29'], ['0.23', '2025-09-10'], ['0.24', '2025-10-16'], ['0.25', '2025-11-05'], ['0.26', '2025-12-09'], ['0.27', '2026-01-16'],
    ['0.28', '2026-02-10'], ['0.29', '2026-02-25'], ['1.0', '2026-03-30'], ['1.1', '2026-04-12'], ['1.2', '2026-04-17'], ['1.3', '2026-04-26'], ['1.4', '2026-05-08'],
    ['1.5', '2026-05-25'], ['1.6', '2026-06-11'], ['1.7', '2026-06-25'], ['1.8', '2026-07-09'], ['1.9', '2026-07-21']],
  axolotl: [['0.3', '2023-09-11'], ['0.4', '2024-01-24'], ['0.5', '2024-11-08'], ['0.6', '2024-12-09'], ['0.7', '2025-02-18'], ['0.8', '2025-04-02'], ['0.9', '2025-04-28'],
    ['0.10', '2025-06-17'], ['0.11', '2025-07-09'], ['0.12', '2025-08-08'], ['0.13', '2025-11-18'], ['0.14', '2026-01-30'], ['0.15', '2026-03-06'], ['0.16', '2026-04-02'],
    ['0.17', '2026-06-03'], ['0.18', '2026-07-17']],
  'llama-factory': [['0.2', '2023-10-15'], ['0.3', '2023-11-16'], ['0.4', '2023-12-16'], ['0.5', '2024-01-21'], ['0.6', '2024-03-25'], ['0.7', '2024-04-28'], ['0.8', '2024-06-08'],
    ['0.9.0', '2024-09-09'], ['0.9.1', '2024-11-25'], ['0.9.2', '2025-03-11'], ['0.9.3', '2025-06-17'], ['0.9.4', '2025-12-31'], ['0.9.5', '2026-05-30']],
  'ms-swift': [['1.5', '2024-01-01'], ['1.6', '2024-02-07'], ['1.7', '2024-03-09'], ['2.0', '2024-04-15'], ['2.1', '2024-06-07'], ['2.2', '2024-07-05'], ['2.3', '2024-08-09'],
    ['2.4', '2024-09-02'], ['2.5', '2024-10-09'], ['2.6', '2024-11-13'], ['3.0', '2024-12-20'], ['3.1', '2025-02-07'], ['3.2', '2025-03-04'], ['3.3', '2025-04-11'],
    ['3.4', '2025-04-30'], ['3.5', '2025-06-08'], ['3.6', '2025-07-08'], ['3.7', '2025-08-07'], ['3.8', '2025-09-08'], ['3.9', '2025-10-14'], ['3.10', '2025-11-11'],
    ['3.11', '2025-12-09'], ['3.12', '2025-12-30'], ['4.0', '2026-03-03'], ['4.1', '2026-04-07'], ['4.2', '2026-05-07'], ['4.3', '2026-06-10'], ['4.4', '2026-07-06'], ['4.5', '2026-08-15']],
  torchtune: [['0.1', '2024-04-15'], ['0.2', '2024-07-16'], ['0.3', '2024-09-17'], ['0.4', '2024-11-13'], ['0.5', '2024-12-20'], ['0.6', '2025-03-18']],
  unsloth: [['2024.1', '2024-01-01'], ['2026.3', '2026-03-31']],
  litgpt: [['0.1', '2023-04-01'], ['0.3', '2024-05-08'], ['0.4', '2024-06-10'], ['0.5.0', '2024-10-04'], ['0.5.8', '2025-05-06'], ['0.5.11', '2025-09-09'], ['0.5.12', '2025-12-18'], ['0.5.13', '2026-06-29']],
}

/** The release a version names, and its date; "YYYY-MM" snapshots and Unsloth's "2025.3.19" by date. */
function placeRelease(name: Exclude<FrameworkName, 'custom'>, text: string): { version: Version; date: string } | null {
  const parsed = parseVersion(text)
  if (!parsed) return null
  const releases = RELEASES[name]
  if (parsed[0]! >= 2000) {
    const date = `${parsed[0]}-${String(parsed[1] ?? 12).padStart(2, '0')}-31`
    if (name === 'unsloth') return { version: parsed.slice(0, 2), date: date.slice(0, 7) + '-01' }
    let found: [string, string] | null = null
    for (const r of releases) if (r[1] <= date) found = r
    return found ? { version: v(found[0]), date: found[1] } : null
  }
  if (name === 'unsloth') return null
  let date: string | null = null
  for (const [release, released] of releases) if (atLeast(parsed, v(release))) date = released
  return date ? { version: parsed, date } : null
}

/** The transformers release current on a date. */
function transformersAt(date: string): string {
  let found = RELEASES['hf-trainer'][0]![0]
  for (const [release, released] of RELEASES['hf-trainer']) if (released <= date) found = release
  return found
}

const latestOf = (name: Exclude<FrameworkName, 'custom'>) => RELEASES[name][RELEASES[name].length - 1]!

/** Where a default comes from. */
const SRC = {
  contract: 'contract default (docs/estimate-contract.md)',
  tfLoss431: 'huggingface/transformers@07360b6c:src/transformers/models/llama/modeling_llama.py (logits = logits.float() in forward, 4.31-4.45)',
  tfLoss446: 'huggingface/transformers@c1c7e896:src/transformers/loss/loss_utils.py (ForCausalLMLoss upcasts in the loss, 4.46-4.48)',
  tfLoss449: 'huggingface/transformers@8ebe9d71:src/transformers/loss/loss_utils.py (labels padded, no shifted copy, 4.49+)',
  tfDtype4: 'huggingface/transformers@v4.57.6:src/transformers/modeling_utils.py:1279-1290 (no torch_dtype: fp32)',
  tfDtype5: 'huggingface/transformers@6217adc6:src/transformers/modeling_utils.py (dtype "auto" by default, 5.0)',
  tfCollator: 'huggingface/transformers@50c3ba88:src/transformers/data/data_collator.py:237-267 (pad to the longest in the batch)',
  peftKbit: 'huggingface/peft@v0.12.0:src/peft/utils/other.py:123-128 (prepare_model_for_kbit_training casts every 16-bit parameter to fp32)',
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
  lfUpcast: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/adapter.py:289-293 (trainable parameters upcast to fp32 unless pure_bf16)',
  lfGc: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/model_utils/checkpointing.py:155 (gradient checkpointing on)',
  lfQlora: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/model_utils/quantization.py:155-160 (no kbit preparation: unquantized parameters in the compute dtype)',
  lfCollator: 'hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/train/sft/workflow.py:60 (pad to the longest, multiple of 8)',
  lfDropout: 'hiyouga/LLaMA-Factory@v0.6.0:src/llmtuner/hparams/finetuning_args.py:43-56 (lora_dropout 0)',
  swiftDtype: 'modelscope/ms-swift@v3.5.0:swift/llm/model/register.py:330-343 (weights in the config dtype, bf16)',
  swiftGc: 'modelscope/ms-swift@v3.0.0:swift/llm/argument/train_args.py:24 (gradient_checkpointing=True)',
  swiftQlora: 'modelscope/ms-swift@v3.5.0:swift/llm/model/register.py (no prepare_model_for_kbit_training call: unquantized parameters bf16)',
  swiftDropout: 'modelscope/ms-swift@v3.0.0:swift/llm/argument/tuner_args.py:110-118 (lora_dropout 0.05)',
  unslothDtype: 'unslothai/unsloth@dae0870f:unsloth/models/loader.py:75 (dtype bf16)',
  unslothQlora: 'unslothai/unsloth-zoo@ce232d6c:unsloth_zoo/training_utils.py:300-425 (only trainable parameters cast; the rest stays bf16)',
  unslothHalfLoss: 'unslothai/unsloth@e9ab1ad5:unsloth/kernels/cross_entropy_loss.py:219 (Triton cross-entropy on the 16-bit logits, gradient written into them in place)',
  unslothCce: 'unslothai/unsloth@b9fe2588:unsloth/models/llama.py:995-1003 (cut-cross-entropy linear_cross_entropy when batch × length > 1024, 2024.12)',
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
    else if (!atLeast(parseVersion(fw.transformers) ?? [0], v(RELEASES['hf-trainer'][0]![0]))) {
      problems.push({ field: 'training.framework.transformers', message: `${fw.transformers} predates the releases the profiles cover (${RELEASES['hf-trainer'][0]![0]} and later)` })
    }
  }
  if (fw.name === 'custom') {
    if (fw.version !== undefined) problems.push({ field: 'training.framework.version', message: 'a custom stack has no profile, so no version to place' })
    return problems
  }
  if (fw.version !== undefined && placeRelease(fw.name, fw.version) === null) {
    const [first, since] = RELEASES[fw.name][0]!
    problems.push({
      field: 'training.framework.version',
      message: fw.name === 'unsloth'
        ? `unsloth is placed by date: give "YYYY-MM" or "YYYY.M.P" from ${since.slice(0, 7)} on (got "${fw.version}")`
        : `${fw.name} ${fw.version} predates the releases its profile covers (${first}, ${since.slice(0, 7)}, and later; "YYYY-MM" snapshots are read by date)`,
    })
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
  /** Unsloth's chunk rule: a fixed size (bytes), or a share of the free memory, up to a cap. */
  fusedChunk: { bytes: number; freeShare: number; cap: number }
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
  /** Gradient accumulation skips FSDP's reduce-scatter (no_sync): gradients stay unsharded between micro-steps. */
  fsdpNoSync: boolean
  /** QLoRA quantises lm_head as well (Lightning's BitsandbytesPrecision replaces every nn.Linear). */
  quantizesHead: boolean
  /**
   * With checkpointing the stack makes the embedding output require grad (enable_input_require_grads),
   * so backward (and recomputation) runs through every layer, frozen ones included.
   */
  inputRequiresGrad: boolean
  defaults: AssumedDefault[]
}

type Knob<T> = { value: T; source: string }
const k = <T>(value: T, source: string): Knob<T> => ({ value, source })

/** The framework as the profile will use it: the release placed, and the transformers release under it. */
export interface PlacedFramework {
  name: FrameworkName
  /** As given, or the newest release the profile knows; null for custom. */
  version: string | null
  /** The release whose behaviour applies (a snapshot's newest release of its month). */
  release: Version | null
  date: string | null
  transformers: string | null
  defaults: AssumedDefault[]
}

export function placeFramework(fw: FrameworkSpec | undefined): PlacedFramework {
  const name = fw?.name ?? 'custom'
  const defaults: AssumedDefault[] = []
  if (name === 'custom') return { name, version: null, release: null, date: null, transformers: fw?.transformers ?? null, defaults }
  const latest = latestOf(name)
  let version = fw?.version
  if (version === undefined) {
    version = name === 'unsloth' ? latest[1].slice(0, 7) : latest[0]
    defaults.push({ field: 'training.framework.version', value: version, source: 'the newest release the profile knows (docs/stack-profiles.md)' })
  }
  // An unplaceable version is refused by frameworkProblems before any estimate runs; here it reads as the newest.
  const placed = placeRelease(name, version) ?? { version: v(latest[0]), date: latest[1] }
  let transformers: string | null = fw?.transformers ?? null
  if (name === 'hf-trainer') transformers = version.length === 7 && version[4] === '-' ? transformersAt(placed.date) : version
  else if (transformers === null && HF_BASED.has(name)) {
    transformers = transformersAt(placed.date)
    defaults.push({ field: 'training.framework.transformers', value: transformers, source: `the transformers release current when ${name} ${version} came out (${placed.date})` })
  }
  return { name, version, release: placed.version, date: placed.date, transformers, defaults }
}

/** Whether a request names a release newer than the newest its profile knows. */
export function newerThanProfile(fw: FrameworkSpec | undefined): string | null {
  if (!fw || fw.name === 'custom' || fw.version === undefined) return null
  const [latest, date] = latestOf(fw.name)
  const parsed = parseVersion(fw.version)
  if (!parsed) return null
  const newer = parsed[0]! >= 2000 ? `${parsed[0]}-${String(parsed[1] ?? 1).padStart(2, '0')}` > date.slice(0, 7) : !atLeast(v(latest), parsed)
  return newer ? (fw.name === 'unsloth' ? date.slice(0, 7) : latest) : null
}

/**
 * Training defaults a profile sets that do not depend on the method (precision, optimizer,
 * checkpointing, attention), applied by applyDefaults where the request leaves them out.
 */
export function trainingDefaults(fw: FrameworkSpec | undefined, hardware: Pick<HardwareSpec, 'count' | 'sharding'>): {
  precision: Knob<Precision>; optimizer: Knob<Optimizer>; gradientCheckpointing: Knob<boolean>; attention: Knob<Attention>
} {
  const placed = placeFramework(fw)
  const ver = placed.release
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

/**
 * How big Unsloth's fused cross-entropy makes a chunk of fp32 logits (it holds the chunk and its
 * gradient): 1 GiB of logits until unsloth-zoo cf2be3c2 (2025-09-04), then half the free memory
 * (unsloth-zoo@d910f7f4:unsloth_zoo/fused_losses/cross_entropy_loss.py:112-123), capped at 4 GB
 * from unsloth-zoo@d9fe1f43 (2026-07-06).
 */
function unslothChunk(month: Version | null): Stack['fusedChunk'] {
  if (month !== null && !atLeast(month, v('2025-09'))) return { bytes: 2 * 1024 ** 3, freeShare: 0, cap: Infinity }
  return { bytes: 0, freeShare: 0.5, cap: month !== null && atLeast(month, v('2026-07')) ? 4e9 : Infinity }
}
const half = (p: Precision): Dtype => (p.startsWith('fp16') ? 'fp16' : 'bf16')

/** Bytes per token × vocab alive at the peak of transformers' own fp32 loss (docs/stack-profiles.md). */
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
  const ver = placed.release
  const tf = placed.transformers === null ? null : parseVersion(placed.transformers)
  // Libraries released beside the stack: PEFT 0.12 (2024-07-24) made adapters fp32, bitsandbytes
  // 0.43.2 (2024-07) stopped keeping the 4-bit matmul's input.
  const before = (day: string) => placed.date !== null && placed.date < day
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
  // DeepSpeed's engine casts the whole module to its 16-bit dtype (module.half() / .bfloat16()),
  // whatever the stack loaded; its fp32 master lives in the optimizer.
  if (deepspeed && mixed) {
    frozen = k(compute, 'microsoft/DeepSpeed runtime/engine.py _configure_distributed_model (module cast to the fp16/bf16 dtype)')
    trainable = null
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
    else if (deepspeed && mixed) nonQuantized = k(compute, frozen.source)
    else {
      switch (name) {
        case 'hf-trainer': nonQuantized = k('fp32', SRC.peftKbit); break
        // With bf16, TRL casts embeddings and lm_head back to bf16 after the kbit preparation and keeps the norms fp32.
        case 'trl': nonQuantized = at('0.27') ? k('fp32', SRC.trlFp32) : at('0.26') ? k(compute, SRC.trlQloraBf16) : k(mixed ? compute : 'fp32', SRC.trlKbit); break
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
    // PEFT before 0.12 moved adapters to a floating base's dtype; on a 4-bit base they stayed fp32.
    else if (before('2024-07-24') && method.type === 'lora') adapterDtype = frozen.value
    // huggingface/peft@ae1ae20b (v0.12): autocast_adapter_dtype=True keeps adapters fp32.
    else adapterDtype = 'fp32'
  }

  // The residual stream carries the dtype of the embedding output and the norm weights.
  const axolotlUpcast = name === 'axolotl' && method.type === 'full' && t.weightsDtype === undefined && t.attention === 'sdpa' && hardware.sharding !== 'fsdp'
  const embeddingsDtype = method.type === 'qlora' ? nonQuantized.value : axolotlUpcast ? 'fp32' : trainsBase ? trainableDtype : frozen.value
  // fp32 norm weights alone make it fp32 too: RMSNorm returns weight × x in the weight's dtype, and
  // the residual adds that output (TRL ≤ 0.25 keeps the norms fp32 after k-bit preparation).
  const fp32Norms = method.type === 'qlora' && name === 'trl' && !at('0.26') && method.nonQuantizedDtype === undefined
  const residualDtype: Dtype = bytesOf(embeddingsDtype) === 4 || precision === 'fp32' || fp32Norms ? 'fp32' : compute
  if (axolotlUpcast && bytesOf(trainableDtype) === 2) {
    defaults.push({ field: 'training.weightsDtype', value: `${trainableDtype} decoder, fp32 embeddings, norms and lm_head`, source: SRC.axolotlUpcast })
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
      if (atLeast(month, v('2025-08'))) { loss = k('fused', SRC.unslothFusedCe); fusedLoss = 'unsloth' } else if (atLeast(month, v('2024-12'))) { loss = k('fused', SRC.unslothCce); fusedLoss = 'cut-cross-entropy' } else loss = k('half', SRC.unslothHalfLoss)
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
  // adamw_torch_fused by default: huggingface/transformers@ae4e306a (4.54), axolotl-ai-cloud/axolotl@v0.8.0:src/axolotl/utils/schemas/training.py:54.
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
    fusedChunk: unslothChunk(ver),
    sequenceLengths: lengths.value,
    expandableSegments: expandable.value,
    activationOffload: offload.value,
    loraInputPerAdapter: peftCopies || litgptCopies,
    loraDropout: dropout.value,
    kvRepeated: t.attention !== 'flash' && name !== 'custom',
    mask4d: hfBased && t.attention !== 'flash' && lengths.value === 'variable',
    // litgpt pinned bitsandbytes 0.41-0.42 until 0.5.5 (Lightning-AI/litgpt@d2ed13c3:pyproject.toml).
    bnbSavesInput: method.type === 'qlora' && ((hfBased && before('2024-07-16')) || (name === 'litgpt' && !(ver && atLeast(ver, v('0.5.5'))))),
    foreachAdam: foreach,
    // litgpt wrapped each Block (frozen weights with their LoRA) in one FSDP unit until 0.5.8 (PR #1538, Linear-wise), FSDP2 from 0.5.11.
    fsdpFlatFrozenGrads: hardware.sharding === 'fsdp' && adapters && name === 'litgpt' && !(ver && atLeast(ver, v('0.5.8'))),
    // Gradient accumulation under FSDP1 no_sync keeps unsharded gradients: Lightning's no_backward_sync,
    // accelerate's accumulate() (sync_each_batch False); torchtune's FSDP2 recipes reduce every micro-step.
    quantizesHead: method.type === 'qlora' && name === 'litgpt',
    // hiyouga/LLaMA-Factory@v0.9.3:src/llamafactory/model/model_utils/checkpointing.py (enable_input_require_grads
    // with gradient checkpointing); modelscope/ms-swift@4312aeb2:swift/llm/sft.py likewise.
    inputRequiresGrad: t.gradientCheckpointing && (name === 'llama-factory' || name === 'ms-swift'),
    fsdpNoSync: hardware.sharding === 'fsdp' && (name === 'litgpt' ? !(ver && atLeast(ver, v('0.5.11'))) : hfBased || name === 'custom'),
    defaults,
  }
}

export { bytesOf as dtypeBytes }
