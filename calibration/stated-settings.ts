// The stack and settings the sources of calibration/cases.json state but its requests (a fixed copy
// of shared/reference/calibration-cases.json, written before the stack fields existed) do not
// carry: the framework and its release, a chunked loss, torch.compile, activation offloading,
// packed or padded batches, the weights dtype. Each entry cites the line of the case's
// `assumptions` (or its source code) that states it. The requests themselves stay as given.

import type { EstimateDraft } from '../src/estimation/defaults.ts'
import type { FrameworkSpec, TrainingSpec } from '../src/estimation/types.ts'
import type { CalibrationCase } from './run.ts'

type Stated = Partial<Pick<TrainingSpec, 'loss' | 'compile' | 'activationOffload' | 'sequenceLengths' | 'weightsDtype'>> & { framework?: FrameworkSpec }

// torchtune README 'Memory and training speed' (@30b8519e8, version.txt 0.3.0): "torch.compile
// enabled", "CEWithChunkedOutputLoss (chunked cross-entropy) is the config default", dataset packed.
const TORCHTUNE_TABLE: Stated = { framework: { name: 'torchtune', version: '0.3.0' }, loss: 'chunked', compile: true, sequenceLengths: 'fixed' }
// torchtune README 'Optimization flags' (@1814feb17, version.txt 0.5.0): each row adds a technique to
// the ones above it ("+ Packed" first); the LoRA/QLoRA rows "inherit packing, compile, chunked CE,
// activation checkpointing and activation offloading".
const TORCHTUNE_FLAGS: Stated = { framework: { name: 'torchtune', version: '0.5.0' }, sequenceLengths: 'fixed' }
const TORCHTUNE_FLAGS_ADAPTERS: Stated = { ...TORCHTUNE_FLAGS, loss: 'chunked', compile: true, activationOffload: true }

const BY_ID: Record<string, Stated> = {
  'torchtune-l31-8b-lora-4090': TORCHTUNE_TABLE,
  'torchtune-l31-8b-qlora-4090': TORCHTUNE_TABLE,
  'torchtune-l31-70b-full-8xa100-cpuoffload': TORCHTUNE_TABLE,
  'torchtune-l31-70b-lora-8xa100': TORCHTUNE_TABLE,
  'torchtune-l31-405b-qlora-8xa100': TORCHTUNE_TABLE,
  // The flags table starts from the v0.5 recipe defaults with the loss before chunking: its first
  // rows use plain cross-entropy (the chunked loss is a later row).
  'torchtune-l32-3b-full-packed': { ...TORCHTUNE_FLAGS, loss: 'fp32' },
  'torchtune-l32-3b-full-packed-compile': { ...TORCHTUNE_FLAGS, loss: 'fp32', compile: true }, // row '+ Compile'
  'torchtune-l32-3b-full-packed-compile-chunkedce': { ...TORCHTUNE_FLAGS, loss: 'chunked', compile: true }, // row '+ Chunked Cross Entropy'
  'torchtune-l32-3b-full-packed-compile-chunkedce-ac': { ...TORCHTUNE_FLAGS, loss: 'chunked', compile: true }, // row '+ Activation Checkpointing'
  'torchtune-l32-3b-lora-flags': TORCHTUNE_FLAGS_ADAPTERS,
  'torchtune-l32-3b-qlora-flags': TORCHTUNE_FLAGS_ADAPTERS,
  // "'** = Uses torch compile' for this row"; the README's Setting column gives fixed lengths.
  'torchtune-l2-7b-qlora-4090-b4s2048': { framework: { name: 'torchtune', version: '0.2.0' }, compile: true, sequenceLengths: 'fixed' },
}

/** What a shared case's source says of its stack, beyond BY_ID. */
function statedBySource(c: Omit<CalibrationCase, 'sourceGroup' | 'stack'>): { sourceGroup: string; stack: string; stated: Stated } {
  const s = c.source
  if (s.startsWith('pytorch/torchtune')) {
    // version.txt at the commits: 0217d44c2 → 0.2.0, 20747cd87 and the April 2024 tutorials → 0.1.0.
    // The April tables and the tutorials trained on unpacked Alpaca, padded per batch ("peak taken at 512").
    const version = s.includes('@0217d44c2') ? '0.2.0' : s.includes('@30b8519e8') ? '0.3.0' : s.includes('@1814feb17') ? '0.5.0' : '0.1.0'
    const packed = c.assumptions.some((a) => /packed|taken as full-length/.test(a))
    return { sourceGroup: 'pytorch/torchtune', stack: 'torchtune', stated: { framework: { name: 'torchtune', version }, sequenceLengths: packed ? 'fixed' : 'variable' } }
  }
  if (s.startsWith('QwenLM/Qwen@')) {
    // finetune.py (QwenLM/Qwen@00dceebb): HF Trainer on transformers 4.32.0 (requirements.txt), the
    // remote code casts the model to the --bf16/--fp16 dtype, preprocess() pads every sample to
    // model_max_length, LoraConfig lora_dropout 0.05, prepare_model_for_kbit_training for q_lora.
    // DeepSpeed cases also compute the loss in the 16-bit dtype (no autocast, no .float() in Qwen-1's code).
    const t = c.request.training
    const sharding = c.request.hardware.sharding
    const deepspeed = sharding === 'zero1' || sharding === 'zero2' || sharding === 'zero3'
    const half = t.precision?.startsWith('fp16') ? 'fp16' : 'bf16'
    return {
      sourceGroup: 'QwenLM/Qwen',
      stack: 'hf-trainer',
      stated: { framework: { name: 'hf-trainer', version: '4.32.0' }, weightsDtype: half, sequenceLengths: 'fixed', ...(deepspeed ? { loss: 'half' as const } : {}) },
    }
  }
  if (s.startsWith('huggingface/peft@51c2ff666')) {
    // method_comparison/MetaMathQA (run.py@51c2ff666): transformers 5.13.1, dtype bfloat16 without AMP.
    // Batches vary in length, but memory_reserved() is sampled after each step, batches are bucketed by
    // length and empty_cache() runs on a fixed schedule (ACCELERATOR_EMPTY_CACHE_SCHEDULE): the cache
    // never holds blocks of many lengths, which is what 'fixed' stands for in the allocator model.
    return { sourceGroup: 'huggingface/peft', stack: 'hf-trainer', stated: { framework: { name: 'hf-trainer', version: '5.13.1' }, weightsDtype: 'bf16', sequenceLengths: 'fixed' } }
  }
  if (s.startsWith('huggingface/peft')) return { sourceGroup: 'huggingface/peft', stack: 'unspecified', stated: {} }
  return { sourceGroup: s.startsWith('Hu et al.') ? 'Hu et al. 2021 (LoRA)' : s, stack: 'unspecified', stated: {} }
}

/** LoRA dropout the Qwen scripts set (finetune.py LoraArguments.lora_dropout = 0.05). */
function methodStated(c: Omit<CalibrationCase, 'sourceGroup' | 'stack'>): Partial<EstimateDraft['method']> {
  const adapters = c.request.method.type === 'lora' || c.request.method.type === 'qlora'
  return c.source.startsWith('QwenLM/Qwen@') && adapters ? { dropout: 0.05 } : {}
}

export function withStatedSettings(cases: Omit<CalibrationCase, 'sourceGroup' | 'stack'>[]): CalibrationCase[] {
  return cases.map((c) => {
    const bySource = statedBySource(c)
    const stated = { ...bySource.stated, ...BY_ID[c.id] }
    return {
      ...c,
      sourceGroup: bySource.sourceGroup,
      stack: bySource.stack,
      request: {
        ...c.request,
        method: { ...c.request.method, ...methodStated(c) },
        training: { ...c.request.training, ...stated },
      },
    }
  })
}
