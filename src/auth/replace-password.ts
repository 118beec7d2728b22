import type { PasswordChange } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { reportEndedSessions } from './report-ended-sessions.js'

/**
 * Stores a new password hash and ends the sessions it should end, in one commit (so no crash can
 * leave a session refreshable with the old password's credentials), then makes their access
 * tokens fail on every worker before returning. Undefined when the hash moved on meanwhile.
 */
export async function replacePassword(ctx: AuthContext, change: PasswordChange): Promise<{ endedSessions: string[] } | undefined> {
  const changed = await ctx.store.changePassword(change)
  if (changed === undefined) return undefined
  ctx.log.info({ event: 'password_changed', userId: change.userId }, 'security event')
  await reportEndedSessions(ctx, { sessionIds: changed.endedSessions, reason: 'password_changed', at: change.at })
  return changed
}
