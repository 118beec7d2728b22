import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { reportEndedSessions } from './report-ended-sessions.js'

/**
 * Disables (every session ends; login then answers invalid_credentials) or enables a user.
 * Idempotent: `changed` is false when the user already was so. Undefined when no such user exists.
 */
export async function setUserDisabled(
  ctx: AuthContext,
  identifier: string,
  disabled: boolean,
  client: ClientInfo,
): Promise<{ userId: string; userName: string; changed: boolean; endedSessions: number } | undefined> {
  const user = await ctx.store.findUserByIdentifier(identifier)
  if (user === undefined) return undefined
  const changed = (user.disabledAt !== null) !== disabled
  if (!disabled) {
    if (changed) await ctx.store.setUserDisabled(user.id, null)
    if (changed) ctx.log.info({ event: 'user_enabled', userId: user.id }, 'security event')
    return { userId: user.id, userName: user.userName, changed, endedSessions: 0 }
  }
  // The mark and the end of every session commit together. Sessions are ended even when the user
  // already was disabled: a login racing the first run cannot keep one.
  const at = ctx.clock.now()
  const { endedSessions } = await ctx.store.disableUser({ userId: user.id, at, client })
  if (changed) ctx.log.info({ event: 'user_disabled', userId: user.id }, 'security event')
  await reportEndedSessions(ctx, { sessionIds: endedSessions, reason: 'disabled', at })
  return { userId: user.id, userName: user.userName, changed, endedSessions: endedSessions.length }
}
