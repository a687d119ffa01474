// The console: one page, nine calculators of the comparison over the service's own public API.
// The screen and its inputs live in the URL's hash (#/sweeps?training.sequenceLength=4096), so a
// link reproduces a view; the shared setup follows from screen to screen.
import { render } from 'preact'
import { useState } from 'preact/hooks'
import { apiKey } from './api/client.ts'
import { SETUP_DEFAULTS, SETUP_KEYS } from './setup.tsx'
import { hashOf, parseHash, useRoute } from './state.ts'
import { AdvisorScreen } from './screens/advisor.tsx'
import { CompareScreen } from './screens/compare.tsx'
import { CostScreen } from './screens/cost.tsx'
import { EstimateScreen } from './screens/estimate.tsx'
import { ForgettingScreen } from './screens/forgetting.tsx'
import { FreezeScreen } from './screens/freeze.tsx'
import { ScenariosScreen } from './screens/scenarios.tsx'
import { ServingScreen } from './screens/serving.tsx'
import { SweepsScreen } from './screens/sweeps.tsx'
import './styles.css'

const SCREENS = [
  ['estimate', 'Estimate', EstimateScreen],
  ['compare', 'Compare methods', CompareScreen],
  ['freeze', 'Layer freezing', FreezeScreen],
  ['sweeps', 'Sweeps', SweepsScreen],
  ['forgetting', 'Forgetting', ForgettingScreen],
  ['cost', 'Cost', CostScreen],
  ['advisor', 'Advisor', AdvisorScreen],
  ['serving', 'Serving & plans', ServingScreen],
  ['scenarios', 'Scenarios & reports', ScenariosScreen],
] as const

/** A link to another screen keeps the shared setup the current one holds. */
function linkTo(screen: string): string {
  const { params } = parseHash()
  const carried = Object.fromEntries(SETUP_KEYS.filter((k) => params[k] !== undefined).map((k) => [k, params[k]!]))
  return hashOf(screen, carried, SETUP_DEFAULTS)
}

function KeyField() {
  const [key, setKey] = useState(apiKey.get())
  return (
    <form class="api-key" onSubmit={(e) => e.preventDefault()}>
      <label for="api-key">API key</label>
      <input id="api-key" type="password" autoComplete="off" value={key} placeholder="for saving; or when auth is on"
        onInput={(e) => { const v = (e.target as HTMLInputElement).value.trim(); setKey(v); apiKey.set(v) }} />
    </form>
  )
}

function App() {
  const route = useRoute()
  const current = SCREENS.find(([id]) => id === route.screen) ?? SCREENS[0]
  const [id, title, Screen] = current
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>Skip to the calculator</a>
      <header class="top">
        <p class="brand"><strong>finetune-estimator</strong> console</p>
        <nav aria-label="Calculators">
          <ul>
            {SCREENS.map(([screen, label]) => (
              <li key={screen}><a href={linkTo(screen)} aria-current={screen === id ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <KeyField />
      </header>
      <main id="main" tabIndex={-1} data-screen={id}>
        <h1>{title}</h1>
        <Screen key={id} />
      </main>
      <footer><a href="/docs">API reference</a> · every figure here is what the public API answers; each result has its request.</footer>
    </>
  )
}

render(<App />, document.getElementById('app')!)
