// LLaMA-Factory keys one by one, beyond the example: lora / freeze / full, quantization_bit and its
// options, pure_bf16, the Unsloth and Liger switches, flash_attn, packing, DeepSpeed offload, stages,
// its own defaults, and the contradictions it refuses.
import { describe, expect, test } from 'vitest'
import { ALL_LINEAR } from '../../src/services/config-import/vocabulary.ts'
import { importConfig, importError, mappedTo } from './helpers.ts'

const BASE = 'model_name_or_path: Qwen/Qwen2.5-7B\nper_device_train_batch_size: 1\ncutoff_len: 1024\n'
const lf = (yaml: string, extra: object = {}) => ({ format: 'llama-factory', config: BASE + yaml, hardware: { gpu: 'a100-80gb' }, ...extra })

describe('method', () => {
  test('no finetuning_type is LoRA with LLaMA-Factory\'s defaults: rank 8 on every linear layer', async () => {
    const result = await importConfig(lf(''))
    expect(result.request.method).toEqual({ type: 'lora', rank: 8, targetModules: [...ALL_LINEAR] })
    expect(result.defaults.map((d) => d.field)).toEqual(['/method/type', '/method/rank', '/method/targetModules'])
  })

  test('lora_target as a comma-separated list', async () => {
    const result = await importConfig(lf('lora_target: q_proj,v_proj\n'))
    expect(result.request.method.targetModules).toEqual(['q_proj', 'v_proj'])
  })

  test('freeze with freeze_trainable_layers (negative: the first layers, named in the note); default 2', async () => {
    const four = await importConfig(lf('finetuning_type: freeze\nfreeze_trainable_layers: 4\n'))
    expect(four.request.method).toEqual({ type: 'freeze', trainableLayers: 4 })
    const first = await importConfig(lf('finetuning_type: freeze\nfreeze_trainable_layers: -3\n'))
    expect(first.request.method.trainableLayers).toBe(3)
    expect(mappedTo(first, '/method/trainableLayers')?.note).toMatch(/negative: the first layers train/)
    const plain = await importConfig(lf('finetuning_type: freeze\n'))
    expect(plain.request.method).toEqual({ type: 'freeze', trainableLayers: 2 })
    expect(plain.defaults).toContainEqual({ field: '/method/trainableLayers', value: 2, source: expect.stringMatching(/freeze_trainable_layers default 2/) })
    const modules = await importConfig(lf('finetuning_type: freeze\nfreeze_trainable_modules: mlp\n'))
    expect(modules.caveats[0]).toMatchObject({ key: 'freeze_trainable_modules', line: 5 })
  })

  test('freeze_trainable_layers beyond the model\'s layers is named at the key', async () => {
    const err = await importError(lf('finetuning_type: freeze\nfreeze_trainable_layers: 40\n'))
    expect(err.errors).toEqual([{ field: '/config/freeze_trainable_layers', line: 5, column: 1, message: 'line 5, column 1: sets /method/trainableLayers, which must be at most the model\'s numLayers (28)' }])
  })

  test('full', async () => {
    expect((await importConfig(lf('finetuning_type: full\n'))).request.method).toEqual({ type: 'full' })
  })

  test('quantization_bit 4: qlora nf4, double quantization by default; 8: int8; fp4 stored as nf4', async () => {
    const q4 = await importConfig(lf('quantization_bit: 4\n'))
    expect(q4.request.method).toMatchObject({ type: 'qlora', quantization: 'nf4', doubleQuantization: true })
    expect(q4.defaults).toContainEqual({ field: '/method/doubleQuantization', value: true, source: expect.stringMatching(/double_quantization default true/) })
    const noDq = await importConfig(lf('quantization_bit: 4\ndouble_quantization: false\nquantization_type: fp4\n'))
    expect(noDq.request.method).toMatchObject({ quantization: 'nf4', doubleQuantization: false })
    expect((await importConfig(lf('quantization_bit: 8\n'))).request.method).toMatchObject({ type: 'qlora', quantization: 'int8' })
  })

  test('quantization with full or freeze, another quantization method, odd bits: 400 naming the keys', async () => {
    const full = await importError(lf('finetuning_type: full\nquantization_bit: 4\n'))
    expect(full.errors.map((e) => [e.field, e.line])).toEqual([['/config/quantization_bit', 5], ['/config/finetuning_type', 4]])
    expect((await importError(lf('quantization_bit: 4\nquantization_method: hqq\n'))).errors[0]?.field).toBe('/config/quantization_method')
    expect((await importError(lf('quantization_bit: 3\n'))).errors[0]?.field).toBe('/config/quantization_bit')
    expect((await importError(lf('finetuning_type: oft\n'))).errors[0]?.field).toBe('/config/finetuning_type')
  })
})

describe('training', () => {
  test('pure_bf16 is bf16 without autocast; with fp16 a contradiction', async () => {
    expect((await importConfig(lf('pure_bf16: true\n'))).request.training.precision).toBe('bf16')
    expect((await importError(lf('pure_bf16: true\nfp16: true\n'))).errors.map((e) => e.field)).toEqual(['/config/pure_bf16', '/config/fp16'])
  })

  test('checkpointing: disable_gradient_checkpointing; use_unsloth_gc keeps layer inputs on the host', async () => {
    expect((await importConfig(lf('disable_gradient_checkpointing: true\n'))).request.training.gradientCheckpointing).toBe(false)
    expect((await importConfig(lf('use_unsloth_gc: true\n'))).request.training).toMatchObject({ gradientCheckpointing: true, activationOffload: true })
    expect((await importError(lf('disable_gradient_checkpointing: true\nuse_unsloth_gc: true\n'))).errors.map((e) => e.field)).toEqual(['/config/use_unsloth_gc', '/config/disable_gradient_checkpointing'])
  })

  test('use_unsloth and enable_liger_kernel fuse the loss', async () => {
    expect((await importConfig(lf('use_unsloth: true\n'))).request.training.loss).toBe('fused')
    expect((await importConfig(lf('enable_liger_kernel: true\n'))).request.training.loss).toBe('fused')
    expect((await importConfig(lf('enable_liger_kernel: false\n'))).request.training.loss).toBeUndefined()
  })

  test('flash_attn: auto → sdpa, disabled → eager, fa2 → flash, sdpa; anything else 400', async () => {
    for (const [value, attention] of [['auto', 'sdpa'], ['disabled', 'eager'], ['fa2', 'flash'], ['sdpa', 'sdpa']]) {
      expect((await importConfig(lf(`flash_attn: ${value}\n`))).request.training.attention).toBe(attention)
    }
    expect((await importError(lf('flash_attn: yes-please\n'))).errors[0]?.field).toBe('/config/flash_attn')
  })

  test('packing and neat_packing fix the shapes; stage pt packs by default', async () => {
    expect((await importConfig(lf('packing: true\n'))).request.training.sequenceLengths).toBe('fixed')
    expect((await importConfig(lf('neat_packing: true\n'))).request.training.sequenceLengths).toBe('fixed')
    const pt = await importConfig(lf('stage: pt\n'))
    expect(pt.request.training.sequenceLengths).toBe('fixed')
    expect(pt.defaults).toContainEqual({ field: '/training/sequenceLengths', value: 'fixed', source: expect.stringMatching(/stage pt/) })
  })

  test('max_steps wins over num_train_epochs and max_samples; cutoff_len 2048 by default; per_device_train_batch_size 8 by default', async () => {
    const result = await importConfig(lf('max_steps: 100\nnum_train_epochs: 3\nmax_samples: 1000\ngradient_accumulation_steps: 2\n', { hardware: { gpu: 'a100-80gb', count: 4 } }))
    expect(result.request.training).toMatchObject({ datasetTokens: 100 * 1 * 2 * 4 * 1024, epochs: 1 })
    const bare = await importConfig({ format: 'llama-factory', config: 'model_name_or_path: Qwen/Qwen2.5-7B\n', hardware: { gpu: 'a100-80gb' } })
    expect(bare.request.training).toMatchObject({ sequenceLength: 2048, microBatchSize: 8 })
  })

  test('optim, torch_compile, deepspeed with offload by file name', async () => {
    const result = await importConfig(lf('optim: adamw_bnb_8bit\ntorch_compile: true\ndeepspeed: examples/deepspeed/ds_z3_offload_config.json\n', { hardware: { gpu: 'a100-80gb', count: 8 } }))
    expect(result.request.training).toMatchObject({ optimizer: 'adamw-8bit', compile: true })
    expect(result.request.hardware).toEqual({ gpu: 'a100-80gb', count: 8, sharding: 'zero3', offload: 'optimizer-and-params' })
    const z2 = await importConfig(lf('deepspeed: examples/deepspeed/ds_z2_offload_config.json\n'))
    expect(z2.request.hardware).toMatchObject({ sharding: 'zero2', offload: 'optimizer' })
    const z0 = await importConfig(lf('deepspeed: examples/deepspeed/ds_z0_config.json\n'))
    expect(z0.request.hardware.sharding).toBe('ddp')
  })
})

describe('caveats', () => {
  test('preference stages, additional_target, DoRA and low-memory optimizers are read but not modelled', async () => {
    const result = await importConfig(lf('stage: dpo\nadditional_target: embed_tokens\nuse_dora: true\nuse_galore: true\n'))
    expect(result.caveats.map((c) => c.key)).toEqual(['stage', 'additional_target', 'use_dora', 'use_galore'])
    expect((await importError(lf('stage: grpo\n'))).errors[0]?.field).toBe('/config/stage')
  })
})
