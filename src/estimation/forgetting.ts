// Catastrophic-forgetting risk: a MODEL built from published measurements, not a measurement.
// It predicts the absolute drop ΔF of a general-capability average (HellaSwag, ARC-C, WinoGrande)
// and maps it to a risk score in [0, 1]. The form is the one proposed in
// shared/reference/quality-forgetting-serving.md §1.6:
//
//   ΔF = A · (x_eff / x_ref)^β · s^γ · R(p) · G(λ)
//
// x_eff = training tokens × (learning rate / the reference run's learning rate): exposure, because
//         with small steps the distance travelled from the base weights grows with lr × steps
//         (Marek et al. 2026: low LRs reduce forgetting "but require substantially more steps").
// A, β  = full fine-tuning power-law fits on Llama-2-7B (Biderman et al. 2024, §1.1.2, §1.6 table).
// s^γ   = share of parameters trained; Kalajdzievski 2024: forgetting is a power law in the number
//         of parameters fine-tuned. γ is our least-squares fit of ln(ΔF_LoRA / ΔF_full) against
//         ln(s) over every checkpoint × rank of §1.1.2 (s = 0.59 %, 2.37 %, 9.49 % for r = 16, 64, 256
//         on all linear layers of Llama-2-7B: r · 2,498,560 / 6,738,415,616).
// R(p)  = replay of original data, share p of the mix (Bethune et al. 2025).
// G(λ)  = L2-SP / EWC pull towards the base weights, strength λ.

import { describeArchitecture } from './architecture.ts'
import { ALL_LINEAR_TARGETS, planMethod } from './methods.ts'
import type { EstimateInput, EstimateResult, ForgettingDomain, ForgettingRegime, ForgettingSpec, MethodSpec, MethodType } from './types.ts'

export interface ForgettingInput {
  method: MethodType
  /** Trainable parameters / total parameters, in (0, 1]. */
  trainableShare: number
  /** Tokens seen in training (dataset tokens × epochs). */
  trainingTokens: number
  /** LoRA rank, reported as a driver only (its effect is carried by trainableShare). */
  rank?: number
  spec?: ForgettingSpec
  /**
   * Trainable shares of the alternatives used to show what each prevention technique buys:
   * LoRA (e.g. r = 16 on all linear layers) and selective freezing (e.g. the top quarter of layers).
   */
  alternatives?: { loraShare?: number; freezeShare?: number }
}

export type RiskLevel = 'low' | 'moderate' | 'high'

export interface ForgettingDriver {
  name: 'base' | 'tokens' | 'learningRate' | 'trainableShare' | 'rank' | 'replay' | 'regularization'
  value: number | string
  /** Multiplier this driver applies to the expected drop (1 = no effect). */
  factor: number
  note: string
}

export interface ForgettingMitigation {
  technique: 'parameter-regularization' | 'selective-freezing' | 'low-rank-adaptation' | 'replay'
  setting: string
  riskWithout: number
  riskWith: number
  /** riskWithout − riskWith. */
  reduction: number
  appliedInRequest: boolean
}

export interface ForgettingResult {
  risk: number
  level: RiskLevel
  /** Predicted absolute drop of avg(HellaSwag, ARC-C, WinoGrande); Llama-2-7B's base is 0.671. */
  expectedDrop: number
  domain: ForgettingDomain
  regime: ForgettingRegime
  drivers: ForgettingDriver[]
  mitigations: ForgettingMitigation[]
  model: string
  sources: string[]
}

interface Setting {
  /** Full-FT drop at x_ref. */
  a: number
  /** Tokens of the reference exposure x_ref. */
  refTokens: number
  beta: number
  gamma: number
  /** Learning rates of the runs the fit came from: full FT and LoRA. */
  fullLr: number
  adapterLr: number
}

/**
 * §1.6 table (A, x_ref, β) and the §1.1 hyper-parameter table (learning rates; Biderman used
 * decoupled LionW). γ fitted by us from §1.1.2 as described in the file header.
 * "far": domains far from pretraining text (code) take the code fits; "near" (math text, chat,
 * general instructions) takes the math fits, as §1.6 prescribes.
 */
const SETTINGS: Record<ForgettingDomain, Record<ForgettingRegime, Setting>> = {
  far: {
    'continued-pretraining': { a: 0.047, refTokens: 0.25e9, beta: 0.25, gamma: 0.206, fullLr: 1e-5, adapterLr: 1e-5 },
    // One epoch of Magicoder-Evol-Instruct-110K = 72.97M tokens.
    instruction: { a: 0.076, refTokens: 72.97e6, beta: 0.48, gamma: 0.335, fullLr: 5e-5, adapterLr: 2e-4 },
  },
  near: {
    'continued-pretraining': { a: 0.037, refTokens: 0.25e9, beta: 0.12, gamma: 0.052, fullLr: 1e-5, adapterLr: 4e-5 },
    // One epoch of MetaMathQA ≈ 103M tokens.
    instruction: { a: 0.073, refTokens: 103e6, beta: 0.17, gamma: 0.073, fullLr: 1e-5, adapterLr: 1e-4 },
  },
}

/**
 * Risk = 1 − exp(−ΔF / DROP_SCALE). DROP_SCALE = 0.075 is the full-FT drop after one epoch of
 * instruction tuning on Llama-2-7B (0.076 code, 0.073 math; §1.1.2), so that reference job scores
 * 1 − 1/e ≈ 0.63. LoRA r=16 early in training (drops 0.019–0.026) then scores ≈ 0.23–0.29.
 */
const DROP_SCALE = 0.075
/** Level bounds on the risk: 1/3 ↔ ΔF ≈ 0.030 (about benchmark noise), 2/3 ↔ ΔF ≈ 0.082. */
const LOW_BELOW = 1 / 3
const HIGH_FROM = 2 / 3

/**
 * Replay: R(p) = FLOOR + (1 − FLOOR)·exp(−p / p0). Bethune et al. 2025 [P]: injecting ≥ 1 % of
 * pretraining data "prevents" forgetting of the pretraining loss; §1.6 prior R(≥1 %) ≈ 0.1–0.3.
 * We take the conservative end, R = 0.3 at p = 1 % for near domains (benchmark-level effect is
 * unverified) and at p = 5 % for far domains ("for strong shifts budget 5–25 %" [U]); FLOOR = 0.1
 * is the optimistic end of the same prior.
 */
const REPLAY_FLOOR = 0.1
const REPLAY_REACHES_0_3_AT: Record<ForgettingDomain, number> = { near: 0.01, far: 0.05 }

/**
 * L2-SP / EWC: minimising L_task + (λ/2)·Σ c_i (θ_i − θ*_i)² with a quadratic task loss of
 * curvature h moves each weight 1/(1 + λ·c/h) of the unregularised distance; we apply that factor
 * to ΔF (forgetting linear in drift, §1.6 point 1). With c = 1 (L2-SP) or a Fisher normalised to
 * mean 1 (EWC), the only unknown is h; no published LLM value exists [U], so h defaults to 1 and
 * can be overridden (`regularization.curvature`) by whoever has measured it.
 */
const DEFAULT_CURVATURE = 1

export function forgettingRisk(input: ForgettingInput): ForgettingResult {
  const spec = input.spec ?? {}
  const domain = spec.domain ?? 'near'
  const regime = spec.regime ?? 'instruction'
  const set = SETTINGS[domain][regime]
  const current = terms(input, spec, set)
  const expectedDrop = current.drop
  const risk = riskOf(expectedDrop)
  const f = current.factors
  const drivers: ForgettingDriver[] = [
    { name: 'base', value: `${domain} domain, ${regime}`, factor: set.a, note: `full-FT drop at ${fmtTokens(set.refTokens)} tokens and its reference LR (Biderman et al. 2024, Llama-2-7B)` },
    { name: 'tokens', value: input.trainingTokens, factor: f.tokens, note: `(tokens / ${fmtTokens(set.refTokens)})^${set.beta}: more training forgets more, sublinearly` },
    { name: 'learningRate', value: current.lr, factor: f.lr, note: `(lr / ${current.refLr})^${set.beta}: a higher LR travels further from the base weights` },
    { name: 'trainableShare', value: input.trainableShare, factor: f.share, note: `share^${set.gamma}: fewer trained parameters, less forgetting (Kalajdzievski 2024)` },
    { name: 'replay', value: spec.replayShare ?? 0, factor: f.replay, note: 'original data mixed into training (Bethune et al. 2025)' },
    { name: 'regularization', value: spec.regularization ? `${spec.regularization.kind} λ=${spec.regularization.lambda}` : 'none', factor: f.reg, note: 'pull towards the base weights, 1/(1 + λ/h)' },
  ]
  if (input.rank !== undefined) {
    drivers.splice(4, 0, { name: 'rank', value: input.rank, factor: 1, note: 'acts through trainableShare; higher ranks forget more on code IFT at 8–16 epochs (§2.6)' })
  }
  return {
    risk, level: levelOf(risk), expectedDrop, domain, regime, drivers,
    mitigations: mitigations(input, spec, set),
    model: 'ΔF = A·(tokens·lr/lr_ref / x_ref)^β · share^γ · R(replay) · 1/(1+λ/h); risk = 1 − exp(−ΔF/0.075). A model fitted to Llama-2-7B measurements, not a measurement of your job.',
    sources: [
      'Biderman et al. 2024, LoRA Learns Less and Forgets Less (TMLR; arXiv 2405.09673)',
      'Kalajdzievski 2024, Scaling Laws for Forgetting When Fine-Tuning LLMs (arXiv 2401.05605)',
      'Bethune et al. 2025, Scaling Laws for Forgetting during Finetuning with Pretraining Data Injection (arXiv 2502.06042)',
      'Kirkpatrick et al. 2017, EWC (arXiv 1612.00796)',
      'shared/reference/quality-forgetting-serving.md §1.6',
    ],
  }
}

/**
 * Where one request weighs several methods (advisor, comparison), its learningRate is read as the
 * full fine-tuning LR, and each method is assessed at the same multiple of its own reference LR:
 * LoRA is run at ~10× the full-FT LR (§1.1, §2.5), so one LR for every method would be wrong.
 */
export function specForMethod(method: MethodType, spec: ForgettingSpec | undefined): ForgettingSpec | undefined {
  if (!spec || spec.learningRate === undefined) return spec
  const set = SETTINGS[spec.domain ?? 'near'][spec.regime ?? 'instruction']
  return { ...spec, learningRate: spec.learningRate * ((isAdapter(method) ? set.adapterLr : set.fullLr) / set.fullLr) }
}

export function riskOf(drop: number): number {
  return 1 - Math.exp(-Math.max(0, drop) / DROP_SCALE)
}

export function levelOf(risk: number): RiskLevel {
  return risk < LOW_BELOW ? 'low' : risk < HIGH_FROM ? 'moderate' : 'high'
}

function isAdapter(method: MethodType): boolean {
  return method === 'lora' || method === 'qlora'
}

interface Terms {
  drop: number
  lr: number
  refLr: number
  factors: { tokens: number; lr: number; share: number; replay: number; reg: number }
}

function terms(input: Pick<ForgettingInput, 'method' | 'trainableShare' | 'trainingTokens'>, spec: ForgettingSpec, set: Setting): Terms {
  const refLr = isAdapter(input.method) ? set.adapterLr : set.fullLr
  const lr = spec.learningRate ?? refLr
  const tokens = Math.max(0, input.trainingTokens / set.refTokens) ** set.beta
  const lrF = (lr / refLr) ** set.beta
  const share = Math.min(1, Math.max(0, input.trainableShare)) ** set.gamma
  const replay = replayFactor(spec.replayShare ?? 0, spec.domain ?? 'near')
  const reg = spec.regularization ? 1 / (1 + spec.regularization.lambda / (spec.regularization.curvature ?? DEFAULT_CURVATURE)) : 1
  return { drop: set.a * tokens * lrF * share * replay * reg, lr, refLr, factors: { tokens, lr: lrF, share, replay, reg } }
}

export function replayFactor(share: number, domain: ForgettingDomain): number {
  // exp(−p_ref/p0) = (0.3 − FLOOR)/(1 − FLOOR) fixes p0 from the anchor above.
  const p0 = REPLAY_REACHES_0_3_AT[domain] / Math.log((1 - REPLAY_FLOOR) / (0.3 - REPLAY_FLOOR))
  return REPLAY_FLOOR + (1 - REPLAY_FLOOR) * Math.exp(-Math.max(0, share) / p0)
}

/**
 * What each prevention technique buys for this job: the same job with the technique removed
 * ("without") and applied ("with": the request's own setting, or the reference setting named).
 * Method swaps keep the request's LR relative to each method's reference LR, because LoRA is run
 * at ~10× the full-FT LR (§1.1, §2.5).
 */
function mitigations(input: ForgettingInput, spec: ForgettingSpec, set: Setting): ForgettingMitigation[] {
  const refLr = isAdapter(input.method) ? set.adapterLr : set.fullLr
  const lrRatio = (spec.learningRate ?? refLr) / refLr
  const riskFor = (method: MethodType, trainableShare: number, s: ForgettingSpec) => {
    const lr = (isAdapter(method) ? set.adapterLr : set.fullLr) * lrRatio
    return riskOf(terms({ method, trainableShare, trainingTokens: input.trainingTokens }, { ...s, learningRate: lr }, set).drop)
  }
  const own = (method: MethodType, s: ForgettingSpec = spec) => riskFor(method, input.trainableShare, s)
  const row = (technique: ForgettingMitigation['technique'], setting: string, without: number, withIt: number, applied: boolean): ForgettingMitigation =>
    ({ technique, setting, riskWithout: without, riskWith: withIt, reduction: without - withIt, appliedInRequest: applied })
  const out: ForgettingMitigation[] = []

  const reg = spec.regularization ?? { kind: 'l2-sp' as const, lambda: DEFAULT_CURVATURE }
  out.push(row('parameter-regularization', `${reg.kind} λ=${reg.lambda}${spec.regularization ? '' : ' (halves the drift at h = 1)'}`,
    own(input.method, { ...spec, regularization: undefined }), own(input.method, { ...spec, regularization: reg }), spec.regularization !== undefined))

  const fullRisk = riskFor('full', 1, spec)
  const freezeShare = input.method === 'freeze' ? input.trainableShare : input.alternatives?.freezeShare
  if (freezeShare !== undefined) {
    out.push(row('selective-freezing', `train ${(freezeShare * 100).toPrecision(3)} % of the weights`, fullRisk, riskFor('freeze', freezeShare, spec), input.method === 'freeze'))
  }
  const loraShare = isAdapter(input.method) ? input.trainableShare : input.alternatives?.loraShare
  if (loraShare !== undefined) {
    out.push(row('low-rank-adaptation', `adapter with ${(loraShare * 100).toPrecision(3)} % trainable parameters`, fullRisk, riskFor('lora', loraShare, spec), isAdapter(input.method)))
  }

  const replay = spec.replayShare && spec.replayShare > 0 ? spec.replayShare : REPLAY_REACHES_0_3_AT[spec.domain ?? 'near']
  out.push(row('replay', `${(replay * 100).toPrecision(3)} % original data in the mix`,
    own(input.method, { ...spec, replayShare: 0 }), own(input.method, { ...spec, replayShare: replay }), (spec.replayShare ?? 0) > 0))
  return out
}

function fmtTokens(n: number): string {
  return n >= 1e9 ? `${n / 1e9}B` : `${Math.round(n / 1e6)}M`
}

/** Exposure assumed when a request gives no datasetTokens: the fit's own reference (one IFT epoch). */
function tokensOf(input: EstimateInput): number {
  const t = input.training
  if (t.datasetTokens !== undefined) return t.datasetTokens * Math.max(0, t.epochs)
  const s = input.forgetting ?? {}
  return SETTINGS[s.domain ?? 'near'][s.regime ?? 'instruction'].refTokens
}

/** The contract's `forgetting` block of an estimate. */
export function estimateForgetting(input: EstimateInput, parameters: { total: number; trainable: number }): EstimateResult['forgetting'] {
  // The score alone: drivers and mitigations (text and four more risk evaluations) are for the
  // full assessment; building them here was 80 % of an estimate's engine time.
  const spec = input.forgetting ?? {}
  const set = SETTINGS[spec.domain ?? 'near'][spec.regime ?? 'instruction']
  const expectedDrop = terms({ method: input.method.type, trainableShare: parameters.trainable / parameters.total, trainingTokens: tokensOf(input) }, spec, set).drop
  const risk = riskOf(expectedDrop)
  return { risk, level: levelOf(risk), expectedDrop }
}

/**
 * The full assessment of an estimate request, with what each technique would buy. The LoRA
 * alternative is r = 16 on all linear layers (the §2.6 recommendation); the freezing alternative
 * trains the top quarter of the layers (the engine's "aggressive" strategy).
 */
const ALTERNATIVE: Omit<MethodSpec, 'type'> = { rank: 16, alpha: 32, targetModules: [], quantization: 'nf4', doubleQuantization: false }

export function assessForgetting(input: EstimateInput): ForgettingResult {
  const a = describeArchitecture(input.model)
  const share = (method: EstimateInput['method']) => {
    const p = planMethod(a, method)
    return (p.trainableBase + p.adapterParams) / a.total
  }
  const m = input.method
  return forgettingRisk({
    method: m.type,
    trainableShare: share(m),
    trainingTokens: tokensOf(input),
    ...(m.type === 'lora' || m.type === 'qlora' ? { rank: m.rank } : {}),
    ...(input.forgetting ? { spec: input.forgetting } : {}),
    alternatives: {
      loraShare: share({ ...ALTERNATIVE, type: 'lora', targetModules: [...ALL_LINEAR_TARGETS] }),
      freezeShare: share({ ...ALTERNATIVE, type: 'freeze', strategy: 'aggressive' }),
    },
  })
}

export interface ForgettingPhase {
  method: MethodType
  trainableShare: number
  trainingTokens: number
}

/**
 * Several phases on one model (staged, unfreezing, dynamic rank). The exposures add up before the
 * power law is applied (forgetting is sublinear in total training, not per phase), and the
 * share term is the token-weighted mean of each phase's share^γ. The phase that trains the
 * largest share sets the reference learning rate. An approximation of the same model, no more.
 */
export function phasedForgetting(phases: ForgettingPhase[], spec: ForgettingSpec = {}): ForgettingResult {
  const set = SETTINGS[spec.domain ?? 'near'][spec.regime ?? 'instruction']
  const tokens = phases.reduce((s, p) => s + p.trainingTokens, 0)
  const meanShareTerm = tokens > 0 ? phases.reduce((s, p) => s + p.trainingTokens * Math.min(1, p.trainableShare) ** set.gamma, 0) / tokens : 1
  const widest = phases.reduce((a, b) => (b.trainableShare > a.trainableShare ? b : a))
  return forgettingRisk({ method: widest.method, trainableShare: meanShareTerm ** (1 / set.gamma), trainingTokens: tokens, spec })
}
