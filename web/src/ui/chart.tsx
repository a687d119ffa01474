// Charts drawn with uPlot (canvas, ~50 KB, no dependencies): lines for sweeps and curves, bars for
// breakdowns and per-method figures, points for the Pareto frontier. Each chart is an image with a
// label saying what it shows; the figures themselves are in the result next to it.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563']

export interface ChartProps {
  /** What the chart shows, for screen readers. */
  label: string
  options: Omit<uPlot.Options, 'width' | 'height'>
  data: uPlot.AlignedData
  height?: number
  name: string
  /** Changes whenever what the chart draws changes (options hold functions, so they cannot say). */
  signature: string
}

export function Chart({ label, options, data, height = 260, name, signature }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (!element) return
    const width = Math.max(280, element.clientWidth)
    const plot = new uPlot({ ...options, width, height }, data, element)
    const observer = new ResizeObserver(() => {
      const w = Math.max(280, element.clientWidth)
      if (w !== plot.width) plot.setSize({ width: w, height })
    })
    observer.observe(element)
    return () => { observer.disconnect(); plot.destroy() }
  }, [signature, height])
  return <figure class="chart" role="img" aria-label={label} data-chart={name}><div ref={box} /></figure>
}

/** Bars, stacked by drawing running totals from the tallest down (each hides the part below it). */
export const bars = (size = 0.6) => uPlot.paths.bars!({ size: [size, 120], align: 0 })

/**
 * Draws a horizontal rule at `value` on scale y (a GPU's capacity), and vertical whiskers from
 * low to high at each x (an uncertainty band), over the plot.
 */
export function overlay(draw: { rule?: { value: number; label: string }; whiskers?: { x: number[]; low: number[]; high: number[] }; marker?: { x: number; label: string } }) {
  return (u: uPlot) => {
    const { ctx } = u
    ctx.save()
    ctx.lineWidth = 2 * devicePixelRatio
    // uPlot leaves its axis labels' alignment on the context.
    ctx.textAlign = 'left'
    ctx.textBaseline = 'bottom'
    if (draw.rule) {
      const y = u.valToPos(draw.rule.value, 'y', true)
      ctx.strokeStyle = '#111827'
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio])
      ctx.beginPath()
      ctx.moveTo(u.bbox.left, y)
      ctx.lineTo(u.bbox.left + u.bbox.width, y)
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = '#111827'
      ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`
      ctx.fillText(draw.rule.label, u.bbox.left + 4 * devicePixelRatio, y - 4 * devicePixelRatio)
    }
    if (draw.whiskers) {
      ctx.strokeStyle = '#111827'
      draw.whiskers.x.forEach((x, i) => {
        const px = u.valToPos(x, 'x', true)
        const lo = u.valToPos(draw.whiskers!.low[i]!, 'y', true)
        const hi = u.valToPos(draw.whiskers!.high[i]!, 'y', true)
        const w = 8 * devicePixelRatio
        ctx.beginPath()
        ctx.moveTo(px, lo); ctx.lineTo(px, hi)
        ctx.moveTo(px - w, lo); ctx.lineTo(px + w, lo)
        ctx.moveTo(px - w, hi); ctx.lineTo(px + w, hi)
        ctx.stroke()
      })
    }
    if (draw.marker) {
      const x = u.valToPos(draw.marker.x, 'x', true)
      ctx.strokeStyle = '#16a34a'
      ctx.beginPath()
      ctx.moveTo(x, u.bbox.top)
      ctx.lineTo(x, u.bbox.top + u.bbox.height)
      ctx.stroke()
      ctx.fillStyle = '#166534'
      ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`
      ctx.fillText(draw.marker.label, x + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio)
    }
    ctx.restore()
  }
}

const GIB = 2 ** 30
/** An axis in GiB for byte values, ticked at round numbers of GiB. */
export const gibAxis = (label = 'GiB per GPU'): uPlot.Axis => ({
  label,
  incrs: [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120].map((n) => n * GIB),
  values: (_u, ticks) => ticks.map((t) => String(+(t / GIB).toFixed(2))),
  size: 56,
})

/** Tick labels through a formatter, blank where uPlot hands a tick it will not show (log scales give null). */
export const ticks = (format: (v: number) => string) => (_u: uPlot, values: (number | null)[]) => values.map((v) => (v === null || v === undefined ? '' : format(v)))

/** Log-scale ticks at powers of ten only (uPlot's default puts 2…9 of each decade too). */
export const decades = (_u: uPlot, _axis: number, min: number, max: number) => {
  const out: number[] = []
  for (let e = Math.floor(Math.log10(Math.max(min, 1e-300))); 10 ** e <= max * 1.0001; e++) if (10 ** e >= min * 0.9999) out.push(10 ** e)
  return out
}

/** A y range from 0 to a little above the largest value (bars must stand on zero). */
export const fromZero = (...values: number[]): uPlot.Range.MinMax => [0, Math.max(...values, 0) * 1.1 || 1]
