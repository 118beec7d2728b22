import { withoutReservation, worthKeeping } from '../domain/back-off.js'
import type { Attempt, AttemptContext } from './guard-attempt.js'

/**
 * Gives back a guarded attempt's place if it still holds one: call it in a `finally` after
 * `guardAttempt`. After `recordFailedAttempt` or `recordSuccessfulLogin` it does nothing; on any
 * other outcome (the password was right but this was no login, or the check itself failed) the
 * attempt counts neither way.
 */
export async function endAttempt(ctx: AttemptContext, attempt: Attempt): Promise<void> {
  if (!attempt.reserved) return
  attempt.reserved = false
  const nowMs = ctx.clock.now()
  await ctx.store.changeBackOff(attempt.key, (state) => ({ next: worthKeeping(withoutReservation(state), nowMs), verdict: undefined }))
}
