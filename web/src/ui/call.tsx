// Running a screen's request: checked first against the API's rules (problems shown at their
// fields, nothing sent), then sent, debounced, whenever the request changes; a 400 is mapped back
// onto the field it names. The request that produced the shown result travels with it, for
// "copy as curl" and "copy as GraphQL".
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { KEY_CHANGED, type Outcome, type Problem } from '../api/client.ts'
import { curlOf, graphqlBodyOf, type Call } from '../api/requests.ts'

export interface Prepared<T> {
  call: Call
  run: () => Promise<Outcome<T>>
}

/** What a screen's inputs gave: a request to send, or the problems with the inputs, by field. */
export type Preparation<T> = { prepared: Prepared<T>; problems?: undefined } | { prepared?: undefined; problems: Record<string, string> }

export interface Shown<T> {
  call: Call
  outcome: Outcome<T>
}

/**
 * The field a problem's JSON pointer names, among a screen's field keys: `/request/training/x`
 * with strip ['/request'] is training.x; list indexes drop out (/vary/values/3 → vary.values); the
 * longest key the path starts with wins; `aliases` renames (model → modelConfig).
 */
export function fieldOf(pointer: string, keys: string[], strip: string[] = [], aliases: Record<string, string> = {}): string | null {
  let path = pointer
  for (const prefix of strip) if (path === prefix || path.startsWith(`${prefix}/`)) path = path.slice(prefix.length)
  const dotted = path.split('/').filter((s) => s !== '' && !/^\d+$/.test(s)).join('.')
  let best: string | null = null
  for (const key of [...keys, ...Object.keys(aliases)]) {
    if ((dotted === key || dotted.startsWith(`${key}.`)) && (best === null || key.length > best.length)) best = key
  }
  return best === null ? null : aliases[best] ?? best
}

export interface Mapped { fields: Record<string, string>; general: string[] }

export function mapProblem(problem: Problem, keys: string[], strip: string[] = [], aliases: Record<string, string> = {}): Mapped {
  const fields: Record<string, string> = {}
  const general: string[] = []
  for (const e of problem.errors ?? []) {
    const field = fieldOf(e.field, keys, strip, aliases)
    if (field && !fields[field]) fields[field] = e.message
    else general.push(`${e.field} ${e.message}`)
  }
  if (!problem.errors?.length) general.push(problem.detail ?? problem.title ?? `HTTP ${problem.status}`)
  return { fields, general }
}

/**
 * Sends the prepared request whenever it changes (after `delay` ms of quiet; at once the first
 * time), or when `revision` does (the data behind it changed: a scenario saved).
 */
export function useAutoCall<T>(preparation: Preparation<T>, delay = 250, revision = 0): { shown: Shown<T> | null; loading: boolean } {
  const [shown, setShown] = useState<Shown<T> | null>(null)
  const [loading, setLoading] = useState(false)
  const keyed = useKeyRevision()
  const key = preparation.prepared ? `${revision} ${keyed} ${JSON.stringify(preparation.prepared.call)}` : null
  const latest = useRef(0)
  const first = useRef(true)
  useEffect(() => {
    if (!preparation.prepared) return
    const prepared = preparation.prepared
    const ticket = ++latest.current
    const go = async () => {
      setLoading(true)
      const outcome = await prepared.run()
      if (ticket !== latest.current) return
      setShown({ call: prepared.call, outcome })
      setLoading(false)
    }
    if (first.current) { first.current = false; void go(); return }
    const timer = setTimeout(go, delay)
    return () => clearTimeout(timer)
  }, [key])
  return { shown, loading }
}

/** Counts API key changes, so what depends on the key is asked again with it. */
export function useKeyRevision(): number {
  const [revision, setRevision] = useState(0)
  useEffect(() => {
    const bump = () => setRevision((r) => r + 1)
    addEventListener(KEY_CHANGED, bump)
    return () => removeEventListener(KEY_CHANGED, bump)
  }, [])
  return revision
}

/** A request sent on demand (save, re-price, delete). */
export function useAction<T>(): [Shown<T> | null, boolean, (prepared: Prepared<T>) => Promise<Outcome<T>>] {
  const [shown, setShown] = useState<Shown<T> | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async (prepared: Prepared<T>) => {
    setBusy(true)
    const outcome = await prepared.run()
    setShown({ call: prepared.call, outcome })
    setBusy(false)
    return outcome
  }
  return [shown, busy, run]
}

async function copy(text: string, button: HTMLButtonElement) {
  try {
    await navigator.clipboard.writeText(text)
    button.dataset.copied = 'true'
    setTimeout(() => delete button.dataset.copied, 1500)
  } catch {
    // No clipboard (an insecure origin): the text is in the panel below, selectable.
  }
}

/** "Copy as curl" and "copy as GraphQL" for the request a result came from, with the texts themselves. */
export function RequestPanel({ call, name, title }: { call: Call; name: string; title?: string }) {
  const curl = curlOf(call)
  const graphql = graphqlBodyOf(call)
  return (
    <div class="request" data-request={name} data-method={call.method} data-url={call.url}>
      <div class="copy">
        <span class="endpoint">{title ? `${title}: ` : ''}<code>{call.method} {call.url.split('?')[0]}</code></span>
        <button type="button" onClick={(e) => copy(curl, e.currentTarget)}>Copy as curl</button>
        {graphql && <button type="button" onClick={(e) => copy(graphql, e.currentTarget)}>Copy as GraphQL</button>}
      </div>
      <details>
        <summary>Request</summary>
        <pre class="curl" data-curl={name}>{curl}</pre>
        {call.body !== undefined && <pre class="rest-body" data-rest-body={name} hidden>{JSON.stringify(call.body)}</pre>}
        {graphql && <pre class="graphql" data-graphql={name}>{graphql}</pre>}
      </details>
    </div>
  )
}

/** A problem the API answered that names no field of the form (or the service could not be reached). */
export function ProblemBox({ messages, status }: { messages: string[]; status?: number }) {
  if (messages.length === 0) return null
  return (
    <div class="problem" role="alert" data-problem-status={status}>
      {messages.map((m) => <p key={m}>{m}</p>)}
    </div>
  )
}

/** A figure: formatted text, and the exact number for whoever reads the page by machine. */
export function Num({ k, value, format }: { k: string; value: number | null | undefined; format: (n: number) => string }) {
  if (value === null || value === undefined) return <output data-key={k} data-value="null">—</output>
  return <output data-key={k} data-value={String(value)}>{format(value)}</output>
}

export function Stat({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

/** The console's own problems (dotted body paths) on the form's fields, as mapProblem places the API's. */
export function placeProblems(problems: Record<string, string>, keys: string[], strip: string[] = [], aliases: Record<string, string> = {}): Mapped {
  return mapProblem({ status: 400, errors: Object.entries(problems).map(([path, message]) => ({ field: `/${path.replace(/\[\]/g, '').replace(/\./g, '/')}`, message })) }, keys, strip, aliases)
}

/** A request to send when the inputs gave no problem; otherwise the problems. */
export function ready<T>(problems: Record<string, string>, prepared: Prepared<T>): Preparation<T> {
  return Object.keys(problems).length > 0 ? { problems } : { prepared }
}

/**
 * What a form shows under its fields: its own problems while it has any (nothing is sent), else
 * the fields the API's last 400 named; and the messages that name no field.
 */
export function formErrors<T>(preparation: Preparation<T>, shown: Shown<T> | null, keys: string[], strip: string[] = [], aliases: Record<string, string> = {}): Mapped & { status?: number } {
  if (preparation.problems) return placeProblems(preparation.problems, keys, strip.map((s) => `/${s}`), aliases)
  if (shown && !shown.outcome.ok) return { ...mapProblem(shown.outcome.problem, keys, strip.map((s) => `/${s}`), aliases), status: shown.outcome.problem.status }
  return { fields: {}, general: [] }
}
