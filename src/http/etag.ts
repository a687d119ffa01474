// ETags are the resource's version ("3"); If-Match carries it back on updates.

export const etagOf = (version: number) => `"${version}"`

/**
 * The version an If-Match header names: undefined when absent (the service answers 428), and
 * -1 (which no resource has, so the service answers 412) when it names no version of ours.
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header)
  return match ? Number(match[1]) : -1
}
