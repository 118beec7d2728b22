import { ACCOUNT_FAILURE_WINDOW_MS, KNOWN_ADDRESS_MS } from '../domain/account-lock.js'
import { FAILURE_MEMORY_MS } from '../domain/back-off.js'
import { RATE_LIMIT_WINDOW_MS } from '../domain/rate-limit.js'
import type { AuthContext } from './context.js'

/**
 * Deletes the brute-force counters (contract §4.5) that no longer count: rate-limit hits out of
 * their window, back-offs an hour past their last failure, account failures over an hour old,
 * known addresses not seen in 30 days. Returns how many rows went.
 */
export function pruneLoginLimits(ctx: Pick<AuthContext, 'clock' | 'store'>): Promise<number> {
  const nowMs = ctx.clock.now()
  return ctx.store.pruneLoginLimits({
    nowMs,
    rateLimitHitsUpTo: nowMs - RATE_LIMIT_WINDOW_MS,
    backOffsUpTo: nowMs - FAILURE_MEMORY_MS,
    loginFailuresUpTo: nowMs - ACCOUNT_FAILURE_WINDOW_MS,
    knownIpsUpTo: nowMs - KNOWN_ADDRESS_MS,
  })
}
