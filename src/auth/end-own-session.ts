import { AppError } from '../errors.js'
import type { ClientInfo, EndReason } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endSessions } from './end-sessions.js'

/**
 * Ends one of the user's own live sessions. Someone else's session, an ended or expired one and
 * an id that names nothing all get the same `not_found`, so ids of other users cannot be probed.
 */
export async function endOwnSession(
  ctx: AuthContext,
  request: { userId: string; sessionId: string; reason: EndReason; client: ClientInfo },
): Promise<void> {
  const live = await ctx.store.listLiveSessions(request.userId, ctx.clock.now())
  const ended = live.some((session) => session.id === request.sessionId)
    ? await endSessions(ctx, { selector: { sessionId: request.sessionId, userId: request.userId }, reason: request.reason, client: request.client })
    : []
  if (ended.length === 0) throw new AppError('not_found', 'No such session.')
}
