import { announceSessionEnds } from '../access-tokens/index.js'
import type { EndReason } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/**
 * After sessions ended in the database: one log line each, and their access tokens stop working
 * on every worker of this instance before this returns (other instances learn it from the
 * database). Awaited by callers, so the answer that reports the ending cannot overtake it.
 */
export async function reportEndedSessions(
  ctx: Pick<AuthContext, 'revocations' | 'sessionEnds' | 'log'>,
  ended: { sessionIds: readonly string[]; reason: EndReason; at: number },
): Promise<void> {
  for (const sessionId of ended.sessionIds) ctx.log.info({ event: 'session_ended', sessionId, reason: ended.reason }, 'security event')
  await announceSessionEnds(ctx, ended.sessionIds, ended.at)
}
