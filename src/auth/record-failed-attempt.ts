import { afterFailure } from '../domain/back-off.js'
import type { Attempt, AttemptContext } from './guard-attempt.js'

/**
 * A wrong password (or an unknown user) for a guarded attempt: counted against its (account
 * key, IP group) and, for an account, towards the hourly flood rule and recorded as
 * `login_failed` (an event and a log line).
 */
export async function recordFailedAttempt(ctx: AttemptContext, attempt: Attempt): Promise<void> {
  const nowMs = ctx.clock.now()
  const reserved = attempt.reserved
  attempt.reserved = false
  await ctx.store.changeBackOff(attempt.key, (state) => ({ next: afterFailure(state, nowMs, reserved), verdict: undefined }))
  if (attempt.userId === undefined) return
  await ctx.store.recordLoginFailure({ userId: attempt.userId, atMs: nowMs })
  await ctx.store.recordEvent({ userId: attempt.userId, type: 'login_failed', at: nowMs, client: attempt.client })
  ctx.log.info({ event: 'login_failed', userId: attempt.userId }, 'security event')
}
