import { RATE_LIMIT_WINDOW_MS } from '../domain/rate-limit.js'
import type { AuthContext } from './context.js'

export interface Admission {
  admitted: boolean
  /** Requests admitted in the window, this one included when admitted. */
  count: number
  /** Milliseconds until the oldest of them leaves the window and a place frees. */
  freesInMs: number
}

/**
 * Counts a request of `clientKey` (an IP group) against the per-IP rate limit (contract §4.5):
 * at most `max` in any 60 s, across every instance sharing the database. Refused requests are
 * not counted.
 */
export async function admitRequest(ctx: Pick<AuthContext, 'clock' | 'store'>, request: { clientKey: string; max: number }): Promise<Admission> {
  const nowMs = ctx.clock.now()
  const { admitted, count, oldestAtMs } = await ctx.store.admitRateLimitHit({ key: request.clientKey, atMs: nowMs, windowMs: RATE_LIMIT_WINDOW_MS, max: request.max })
  return { admitted, count, freesInMs: oldestAtMs + RATE_LIMIT_WINDOW_MS - nowMs }
}
