import type { SessionSummary } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/** The user's live sessions, most recently used first; `current` marks the caller's own. */
export async function listSessions(
  ctx: Pick<AuthContext, 'store' | 'clock'>,
  caller: { userId: string; sessionId: string },
): Promise<(SessionSummary & { current: boolean })[]> {
  const sessions = await ctx.store.listLiveSessions(caller.userId, ctx.clock.now())
  return sessions.map((session) => ({ ...session, current: session.id === caller.sessionId }))
}
