import type { AuthContext } from './context.js'

/**
 * Deletes sessions that can never be used again and erases successors whose grace is over.
 * A session's rows stay until no access token of it can still pass (`ACCESS_TOKEN_TTL` +
 * `CLOCK_SKEW` + the grace, after it ended or expired): until then a server that starts must
 * still learn from them that the session ended, and a used token must still read as reuse.
 */
export function pruneSessions(ctx: Pick<AuthContext, 'config' | 'clock' | 'store'>): Promise<{ sessions: number; successorsErased: number }> {
  const { config } = ctx
  const now = ctx.clock.now()
  const graceMs = config.refreshReuseGraceSeconds * 1000
  const accessTokenReachMs = (config.accessTokenTtlSeconds + config.clockSkewSeconds) * 1000 + graceMs
  return ctx.store.prune({ sessionsBefore: now - accessTokenReachMs, successorsBefore: now - graceMs })
}
