// Where a view's inputs live: the URL's hash, as #/screen?key=value&…, so a link reproduces the
// view. Keys are the request's own dotted paths (training.sequenceLength) where there is one.
// Only values that differ from the screen's defaults are written, so links stay short.
import { useEffect, useState } from 'preact/hooks'

export type Params = Record<string, string>

export interface Route {
  screen: string
  params: Params
}

export function parseHash(hash = location.hash): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?')
  const params: Params = {}
  for (const [key, value] of new URLSearchParams(query)) params[key] = value
  return { screen: path || 'estimate', params }
}

export function hashOf(screen: string, params: Params, defaults: Params = {}): string {
  const query = new URLSearchParams()
  for (const key of Object.keys(params).sort()) {
    const value = params[key]
    if (value !== undefined && value !== defaults[key]) query.set(key, value)
  }
  const text = query.toString()
  return `#/${screen}${text ? `?${text}` : ''}`
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash)
  useEffect(() => {
    const onChange = () => setRoute(parseHash())
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return route
}

/**
 * A screen's inputs: its defaults overlaid by the URL. `set` writes the URL in place (no history
 * entry per keystroke) and re-renders.
 */
export function useParams(screen: string, defaults: Params): [Params, (changes: Params) => void] {
  const [params, setParams] = useState<Params>(() => ({ ...defaults, ...parseHash().params }))
  useEffect(() => {
    const onChange = () => {
      const route = parseHash()
      if (route.screen === screen) setParams({ ...defaults, ...route.params })
    }
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [screen])
  const set = (changes: Params) => {
    setParams((current) => {
      const next = { ...current, ...changes }
      history.replaceState(null, '', hashOf(screen, next, defaults))
      return next
    })
  }
  return [params, set]
}
