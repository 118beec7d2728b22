import type { Attempt, AttemptContext } from './guard-attempt.js'

/**
 * A guarded login that succeeded: the failures counted for its (account, IP group) are forgotten,
 * and the IP group counts as the account's own for 30 days (it may still try during a flood).
 */
export async function recordSuccessfulLogin(ctx: AttemptContext, attempt: Attempt): Promise<void> {
  const nowMs = ctx.clock.now()
  attempt.reserved = false
  await ctx.store.clearBackOff(attempt.key)
  if (attempt.userId !== undefined) await ctx.store.recordKnownIp({ userId: attempt.userId, ipKey: attempt.key.ipKey, atMs: nowMs })
}
