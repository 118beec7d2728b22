import { checkNewPassword, normalizePassword } from '../domain/password-policy.js'
import { hasForbiddenCodePoints } from '../domain/text.js'
import { validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endSessions } from './end-sessions.js'

/**
 * An operator sets a user's password (the registration rules apply) and every session of the
 * user ends, so whoever knew the old password is out. Undefined when no such user exists.
 */
export async function setPassword(
  ctx: AuthContext,
  identifier: string,
  password: string,
  client: ClientInfo,
): Promise<{ userId: string; userName: string; endedSessions: number } | undefined> {
  const user = await ctx.store.findUserByIdentifier(identifier)
  if (user === undefined) return undefined
  const normalized = normalizePassword(password)
  const problems = hasForbiddenCodePoints(password)
    ? ['Contains a character that is not allowed.']
    : checkNewPassword(normalized, ctx.passwordPolicy, { userName: user.userName, email: user.email })
  if (problems.length > 0) throw validationFailed({ password: problems })

  await ctx.store.updatePasswordHash(user.id, await ctx.hasher.hash(normalized))
  await ctx.store.recordEvent({ userId: user.id, type: 'password_changed', at: ctx.clock.now(), client })
  ctx.log.info({ event: 'password_changed', userId: user.id }, 'security event')
  const ended = await endSessions(ctx, { selector: { userId: user.id }, reason: 'password_changed', client })
  return { userId: user.id, userName: user.userName, endedSessions: ended.length }
}
