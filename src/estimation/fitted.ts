// The engine's few constants that are fitted to measured runs rather than read from a stack's
// source or a datasheet. Every other number is physics with its own source. `npm run calibrate`
// refits these on all sources but one and scores the one left out (calibration/run.ts), which is
// the error to expect on a stack the engine was not tuned on. None depends on a source or a stack.

export interface Fitted {
  /**
   * Outside PyTorch's allocator: the CUDA context with the kernel images of PyTorch, cuBLAS and
   * cuDNN. Peers assume 650 MB (gpu_poor) to 1.4 GB (Unsloth Studio, "calibrated on RTX 5070 Ti")
   * (estimation-formulas.md, conventions); lazy module loading (CUDA ≥ 11.7) keeps it near the low end.
   */
  cudaContextBytes: number
  /**
   * Variable batch shapes: how many times, beyond the first, a run meets a batch longer than any
   * before it ("records"). At each record the logits-sized tensors need new segments (no cached
   * block is large enough), while the previous record's, split for smaller requests, stay reserved
   * (CUDACachingAllocator releases cached blocks only on a failed cudaMalloc or empty_cache).
   * For i.i.d. lengths the expected number of records in N steps is H_N ≈ ln N + 0.58, so
   * 2–8 for 10²–10⁴ steps, fewer when long samples are common; 0 when batches are sorted by length.
   */
  variableShapeRecords: number
  /**
   * Fraction of the dense tensor-core peak that large bf16 GEMMs reach in training (cuBLAS on
   * A100/H100 reaches 70–85 % on square GEMMs; llm-analysis README: "up to 0.5" end-to-end MFU for
   * large-scale training, which also pays for the non-GEMM work modelled separately in speed.ts).
   */
  gemmEfficiency: number
  /**
   * Host work per micro-step outside the layers: the training loop, data loader, loss and logits
   * kernels, autograd engine start-up (HF Trainer/torchtune loops spend ~10–30 ms per step).
   */
  microStepSeconds: number
}

/**
 * The values `fit()` (calibration/run.ts) finds on all 341 measured runs (calibration/SOURCES.md),
 * rounded: 0.78 GiB, 2 records, 0.745, 7.6 ms. docs/accuracy.md gives them per left-out source.
 */
export const FITTED: Fitted = {
  cudaContextBytes: 800 * 1024 ** 2,
  variableShapeRecords: 2,
  gemmEfficiency: 0.745,
  microStepSeconds: 0.0076,
}

/** The ranges the fit may search: what the physics allows, not what the data would like. */
export const FITTED_RANGES: Record<keyof Fitted, [number, number]> = {
  cudaContextBytes: [0.3 * 1024 ** 3, 1.5 * 1024 ** 3],
  variableShapeRecords: [0, 6],
  gemmEfficiency: [0.5, 0.85],
  microStepSeconds: [0.002, 0.03],
}
