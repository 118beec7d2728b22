import type { ClientInfo, EndReason, SecurityEventType, SessionSelector } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/**
 * Ends sessions: their refresh tokens stop working in the database, and their access tokens
 * on this process at once (other processes learn it from the database within a second).
 */
export async function endSessions(
  ctx: Pick<AuthContext, 'store' | 'clock' | 'revocations' | 'log'>,
  selector: SessionSelector,
  reason: EndReason,
  client: ClientInfo,
  extraEvent?: SecurityEventType,
): Promise<string[]> {
  const now = ctx.clock.now()
  const ended = await ctx.store.endSessions(selector, reason, now, client, extraEvent)
  ctx.revocations.add(ended, now)
  for (const sessionId of ended) ctx.log.info({ event: 'session_ended', sessionId, reason }, 'security event')
  return ended
}
