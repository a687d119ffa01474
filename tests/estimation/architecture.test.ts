import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeArchitecture, modelSpecFromHfConfig, type HfConfig } from '../../src/estimation/architecture.ts'

// Published totals: params_total_computed / params_active_computed of
// shared/reference/catalog-data.json (computed there from each config.json).
const PINNED: [HfConfig, number, number?][] = [
  [{ name: 'Llama-2-7B', hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, head_dim: 128, vocab_size: 32000, tie_word_embeddings: false }, 6_738_415_616],
  [{ name: 'Llama-2-70B', hidden_size: 8192, intermediate_size: 28672, num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8, head_dim: 128, vocab_size: 32000, tie_word_embeddings: false }, 68_976_648_192],
  [{ name: 'Llama-3.1-8B', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, vocab_size: 128256, tie_word_embeddings: false }, 8_030_261_248],
  [{ name: 'Llama-3.1-405B', hidden_size: 16384, intermediate_size: 53248, num_hidden_layers: 126, num_attention_heads: 128, num_key_value_heads: 8, head_dim: 128, vocab_size: 128256, tie_word_embeddings: false }, 405_853_388_800],
  [{ name: 'Llama-3.2-1B', hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64, vocab_size: 128256, tie_word_embeddings: true }, 1_235_814_400],
  [{ name: 'Mistral-7B-v0.3', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, vocab_size: 32768, tie_word_embeddings: false }, 7_248_023_552],
  [{ name: 'Qwen2.5-7B', arch: 'qwen2', hidden_size: 3584, intermediate_size: 18944, num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4, head_dim: 128, vocab_size: 152064, tie_word_embeddings: false, qkv_bias: true }, 7_615_616_512],
  [{ name: 'Qwen2.5-0.5B', arch: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, head_dim: 64, vocab_size: 151936, tie_word_embeddings: true, qkv_bias: true }, 494_032_768],
  [{ name: 'Gemma-2-9B', arch: 'gemma2', hidden_size: 3584, intermediate_size: 14336, num_hidden_layers: 42, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 256, vocab_size: 256000, tie_word_embeddings: true }, 9_241_705_984],
  [{ name: 'Phi-3-mini-4k-instruct', hidden_size: 3072, intermediate_size: 8192, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, head_dim: 96, vocab_size: 32064, tie_word_embeddings: false }, 3_821_079_552],
  [{ name: 'Qwen3-8B', arch: 'qwen3', hidden_size: 4096, intermediate_size: 12288, num_hidden_layers: 36, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, vocab_size: 151936, tie_word_embeddings: false, qk_norm: true }, 8_190_735_360],
  [{ name: 'Mixtral-8x7B-v0.1', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, vocab_size: 32000, tie_word_embeddings: false, num_local_experts: 8, num_experts_per_tok: 2 }, 46_702_792_704, 12_879_925_248],
  [{ name: 'Qwen3-30B-A3B', arch: 'qwen3_moe', hidden_size: 2048, intermediate_size: 6144, num_hidden_layers: 48, num_attention_heads: 32, num_key_value_heads: 4, head_dim: 128, vocab_size: 151936, tie_word_embeddings: false, qk_norm: true, num_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 768 }, 30_532_122_624, 3_353_032_704],
  [{ name: 'Llama-4-Maverick-17B-128E', arch: 'llama4', hidden_size: 5120, intermediate_size: 8192, intermediate_size_mlp: 16384, num_hidden_layers: 48, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, vocab_size: 202048, tie_word_embeddings: false, num_local_experts: 128, num_experts_per_tok: 1, interleave_moe_layer_step: 2, shared_expert: true }, 400_711_848_960, 17_184_691_200],
]

describe('parameter counts from config.json', () => {
  it.each(PINNED)('$name', (config, total, active) => {
    const a = describeArchitecture(modelSpecFromHfConfig(config))
    expect(a.total).toBe(total)
    expect(a.active).toBe(active ?? total)
  })

  it('splits Llama-2-7B into its modules', () => {
    const a = describeArchitecture(modelSpecFromHfConfig(PINNED[0]![0]))
    // q,k,v,o: 4 × 4096² = 67,108,864; SwiGLU: 3 × 4096 × 11008 = 135,266,304; two RMSNorms 8,192.
    expect(a.dense).toMatchObject({ attention: 67_108_864, mlp: 135_266_304, norms: 8_192, total: 202_383_360 })
    // 32 layers + embeddings 131,072,000 + untied lm_head 131,072,000 + final norm 4,096.
    expect(32 * 202_383_360 + 2 * 131_072_000 + 4_096).toBe(6_738_415_616)
  })

  it('counts grouped-query attention and qkv bias', () => {
    const a = describeArchitecture(modelSpecFromHfConfig(PINNED[6]![0]))
    // Qwen2.5-7B: q and o 3584 × 3584, k and v 3584 × 512 (4 kv heads × 128), biases 3584 + 2 × 512.
    expect(a.dense.attention).toBe(2 * 3584 * 3584 + 2 * 3584 * 512 + 3584 + 2 * 512)
  })

  // Every model of the seeded catalog (a copy of shared/reference/catalog-data.json).
  const catalog = path.resolve(import.meta.dirname, '../../prisma/seed-data/catalog.json')
  it('matches params_total_computed of every catalog model', () => {
    const models = (JSON.parse(readFileSync(catalog, 'utf8')) as { models: (HfConfig & { params_total_computed: number })[] }).models
    expect(models.length).toBeGreaterThanOrEqual(32)
    for (const m of models) expect([m.name, describeArchitecture(modelSpecFromHfConfig(m)).total]).toEqual([m.name, m.params_total_computed])
  })
})
