import type { SessionEnding } from '../persistence/store.js'
import { announceSessionEnds } from '../access-tokens/index.js'
import type { AuthContext } from './context.js'

/**
 * Ends sessions: their refresh tokens stop working in the database, and their access tokens
 * on every worker of this instance before this returns (other instances learn it from the
 * database within a second).
 */
export async function endSessions(
  ctx: Pick<AuthContext, 'store' | 'clock' | 'revocations' | 'sessionEnds' | 'log'>,
  ending: Omit<SessionEnding, 'at'>,
): Promise<string[]> {
  const now = ctx.clock.now()
  const ended = await ctx.store.endSessions({ ...ending, at: now })
  for (const sessionId of ended) ctx.log.info({ event: 'session_ended', sessionId, reason: ending.reason }, 'security event')
  // Awaited: the response that reports the ending must not overtake it on another worker.
  await announceSessionEnds(ctx, ended, now)
  return ended
}
