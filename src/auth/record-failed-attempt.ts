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
  // One write transaction whether or not the identifier named an account, and one log line:
  // a wrong password must cost what an unknown user costs (the user id is logged, never what a
  // stranger typed).
  const account = attempt.userId === undefined ? undefined : { userId: attempt.userId, atMs: nowMs, client: attempt.client }
  await ctx.store.recordFailure({ key: attempt.key, change: (state) => afterFailure(state, nowMs, reserved), ...(account === undefined ? {} : { account }) })
  ctx.log.info({ event: 'login_failed', ...(attempt.userId === undefined ? {} : { userId: attempt.userId }) }, 'security event')
}
