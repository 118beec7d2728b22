import type { SessionEnding } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { reportEndedSessions } from './report-ended-sessions.js'

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
  await reportEndedSessions(ctx, { sessionIds: ended, reason: ending.reason, at: now })
  return ended
}
