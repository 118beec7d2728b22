/** Whole seconds from `nowMs` until `untilMs`, rounded up, at least 1: a `Retry-After` value. */
export function secondsUntil(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000))
}
