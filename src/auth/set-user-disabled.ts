import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endSessions } from './end-sessions.js'

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
  if (changed) await ctx.store.setUserDisabled(user.id, disabled ? ctx.clock.now() : null)
  if (changed) ctx.log.info({ event: disabled ? 'user_disabled' : 'user_enabled', userId: user.id }, 'security event')
  // Ended even when it was already disabled: a login racing the first run cannot keep a session.
  const ended = disabled ? await endSessions(ctx, { selector: { userId: user.id }, reason: 'disabled', client }) : []
  return { userId: user.id, userName: user.userName, changed, endedSessions: ended.length }
}
