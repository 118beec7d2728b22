import type { AuthContext } from './context.js'

/**
 * Makes ended sessions' access tokens stop working: on this process at once, and on every other
 * worker of this instance before this resolves, so the caller's response goes out after they all
 * know. Other instances learn it from the database poll.
 */
export async function announceSessionEnds(
  ctx: Pick<AuthContext, 'revocations' | 'sessionEnds'>,
  sessionIds: readonly string[],
  endedAt: number,
): Promise<void> {
  if (sessionIds.length === 0) return
  ctx.revocations.add(sessionIds, endedAt)
  await ctx.sessionEnds?.publish(sessionIds, endedAt)
}
