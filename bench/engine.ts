// npm run bench:engine — median time of one full estimate() and estimates per second on one core,
// with a baseline measured in the same run (JSON.stringify of the same input) so that numbers from
// different machines can be compared as a ratio.

import { applyDefaults } from '../src/estimation/defaults.ts'
import { estimate, estimateCore } from '../src/estimation/estimate.ts'
import type { EstimateInput } from '../src/estimation/types.ts'

const inputs: EstimateInput[] = [
  applyDefaults({
    model: { name: 'Llama-3.1-8B', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32, numKeyValueHeads: 8, headDim: 128, vocabSize: 128256, tieWordEmbeddings: false },
    method: { type: 'qlora', rank: 16, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
    training: { microBatchSize: 4, sequenceLength: 2048, gradientCheckpointing: true, datasetTokens: 5e7 },
    hardware: { gpu: { name: 'NVIDIA A100 SXM4 80GB', memoryGiB: 80, bf16Tflops: 312, memoryBandwidthTBps: 2.039, interconnectGBps: 600 }, count: 4, sharding: 'fsdp' },
    pricing: { usdPerGpuHour: 2.5 },
  }),
  applyDefaults({
    model: { name: 'Mixtral-8x7B', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numAttentionHeads: 32, numKeyValueHeads: 8, headDim: 128, vocabSize: 32000, tieWordEmbeddings: false, numExperts: 8, expertsPerToken: 2, moeIntermediateSize: 14336 },
    method: { type: 'full' },
    training: { microBatchSize: 1, sequenceLength: 4096, gradientCheckpointing: true },
    hardware: { gpu: { name: 'NVIDIA H100 SXM5 80GB', memoryGiB: 80, bf16Tflops: 989, memoryBandwidthTBps: 3.35, interconnectGBps: 900 }, count: 8, sharding: 'zero3' },
  }),
]

function measure(label: string, fn: (i: EstimateInput) => unknown): { medianNs: number; perSecond: number } {
  let sink = 0
  const batch = 2000
  // Warm up the JIT before timing.
  for (let i = 0; i < 20000; i++) sink += (fn(inputs[i & 1]!) ? 1 : 0)
  const samples: number[] = []
  const end = performance.now() + 2000
  while (performance.now() < end) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) sink += (fn(inputs[i & 1]!) ? 1 : 0)
    samples.push(Number(process.hrtime.bigint() - t0) / batch)
  }
  samples.sort((a, b) => a - b)
  const medianNs = samples[Math.floor(samples.length / 2)]!
  if (sink < 0) console.log(label)
  return { medianNs, perSecond: 1e9 / medianNs }
}

const engine = measure('estimate', estimate)
const core = measure('estimateCore', estimateCore)
const baseline = measure('JSON.stringify', (i) => JSON.stringify(i))
console.log(`estimate():        median ${(engine.medianNs / 1000).toFixed(2)} µs, ${Math.round(engine.perSecond).toLocaleString('en-US')} estimates/s on one core`)
console.log(`estimateCore():    median ${(core.medianNs / 1000).toFixed(2)} µs, ${Math.round(core.perSecond).toLocaleString('en-US')} /s (physics only, without cost and forgetting)`)
console.log(`JSON.stringify():  median ${(baseline.medianNs / 1000).toFixed(2)} µs, ${Math.round(baseline.perSecond).toLocaleString('en-US')} /s (baseline, same input)`)
console.log(`ratio: one estimate costs ${(engine.medianNs / baseline.medianNs).toFixed(2)}× a JSON.stringify of its input`)
console.log(`goal ≥ 50,000 estimates/s: ${engine.perSecond >= 50000 ? 'met' : 'NOT met'}`)
