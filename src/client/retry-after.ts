/**
 * Whole seconds to wait from a `Retry-After` header (RFC 9110: delay-seconds or an HTTP date),
 * or undefined when there is none or it cannot be read.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const atMs = Date.parse(trimmed)
  if (Number.isNaN(atMs)) return undefined
  return Math.max(0, Math.ceil((atMs - nowMs) / 1000))
}
