// Settings the cases' own sources state but calibration/cases.json's requests (fixed as given) do not
// carry, because the request fields for them came later: a chunked loss, torch.compile, activation
// offloading, and Qwen-1's cross-entropy in the model's 16-bit dtype. Applying them shows what the
// physics of those fields does on the measured runs; the headline figures use the requests unchanged.
// Each entry cites the line of the case's `assumptions` (or its source code) that states it.

import type { TrainingSpec } from '../src/estimation/types.ts'
import type { CalibrationCase } from './run.ts'

type Stated = Pick<TrainingSpec, 'loss' | 'compile' | 'activationOffload'>

// torchtune README 'Memory and training speed' (@30b8519e8): "torch.compile enabled" and
// "CEWithChunkedOutputLoss (chunked cross-entropy) is the config default".
const TORCHTUNE_TABLE: Stated = { loss: 'chunked', compile: true }
// torchtune README 'Optimization flags' (@1814feb17): each row adds a technique to the ones above it;
// the LoRA/QLoRA rows "inherit packing, compile, chunked CE, activation checkpointing and activation offloading".
const TORCHTUNE_FLAGS_ADAPTERS: Stated = { loss: 'chunked', compile: true, activationOffload: true }

const BY_ID: Record<string, Stated> = {
  'torchtune-l31-8b-lora-4090': TORCHTUNE_TABLE,
  'torchtune-l31-8b-qlora-4090': TORCHTUNE_TABLE,
  'torchtune-l31-70b-full-8xa100-cpuoffload': TORCHTUNE_TABLE,
  'torchtune-l31-70b-lora-8xa100': TORCHTUNE_TABLE,
  'torchtune-l31-405b-qlora-8xa100': TORCHTUNE_TABLE,
  'torchtune-l32-3b-full-packed-compile': { compile: true }, // row '+ Compile'
  'torchtune-l32-3b-full-packed-compile-chunkedce': TORCHTUNE_TABLE, // row '+ Chunked Cross Entropy'
  'torchtune-l32-3b-full-packed-compile-chunkedce-ac': TORCHTUNE_TABLE, // row '+ Activation Checkpointing'
  'torchtune-l32-3b-lora-flags': TORCHTUNE_FLAGS_ADAPTERS,
  'torchtune-l32-3b-qlora-flags': TORCHTUNE_FLAGS_ADAPTERS,
  'torchtune-l2-7b-qlora-4090-b4s2048': { compile: true }, // "'** = Uses torch compile' for this row"
}

/**
 * Qwen-1's remote modeling code computes CrossEntropyLoss on `lm_logits` without a `.float()`, and
 * the DeepSpeed runs (finetune_ds.sh, finetune_lora_ds.sh, finetune_qlora_single_gpu.sh) enter no
 * torch autocast, so their loss runs in the 16-bit dtype.
 */
function qwen1UnderDeepSpeed(c: CalibrationCase): boolean {
  const s = c.request.hardware.sharding
  return c.source.startsWith('QwenLM/Qwen@') && (s === 'zero1' || s === 'zero2' || s === 'zero3')
}

export function withStatedSettings(cases: CalibrationCase[]): CalibrationCase[] {
  return cases.map((c) => {
    const stated: Stated | undefined = BY_ID[c.id] ?? (qwen1UnderDeepSpeed(c) ? { loss: 'half' } : undefined)
    return stated ? { ...c, request: { ...c.request, training: { ...c.request.training, ...stated } } } : c
  })
}
