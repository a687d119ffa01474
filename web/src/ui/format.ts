// How figures read on screen. The raw number stays on the element (data-value), so tests and
// anyone copying compare numbers, not these words.
const GIB = 2 ** 30

export const gib = (bytes: number) => (Math.abs(bytes) < GIB ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / GIB).toFixed(bytes < 10 * GIB ? 2 : 1)} GiB`)
export const count = (n: number) => {
  const abs = Math.abs(n)
  if (abs >= 1e12) return `${(n / 1e12).toFixed(2)} T`
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} B`
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)} k`
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 })
}
export const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 4 : 2 })}`
export const hours = (h: number) => (h < 1 ? `${(h * 60).toFixed(1)} min` : h < 48 ? `${h.toFixed(2)} h` : `${(h / 24).toFixed(1)} days`)
export const seconds = (s: number) => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`)
export const percent = (share: number) => (share === 0 ? '0 %' : `${(share * 100).toFixed(Math.abs(share) < 0.01 ? 3 : 1)} %`)
export const rate = (n: number) => `${n >= 1e4 ? count(n) : n.toLocaleString('en-US', { maximumFractionDigits: 1 })}/s`
export const plain = (n: number) => {
  const a = Math.abs(n)
  if (a === 0 || a >= 1) return n.toLocaleString('en-US', { maximumFractionDigits: a >= 1000 ? 0 : 2 })
  return String(Number(n.toPrecision(3)))
}
