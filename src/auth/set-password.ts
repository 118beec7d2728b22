import { checkNewPassword, normalizePassword } from '../domain/password-policy.js'
import { hasForbiddenCodePoints } from '../domain/text.js'
import { AppError, validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { replacePassword } from './replace-password.js'

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

  const changed = await replacePassword(ctx, { userId: user.id, expectedHash: user.passwordHash, newHash: await ctx.hasher.hash(normalized), at: ctx.clock.now(), client })
  if (changed === undefined) throw new AppError('invalid_grant', 'The password changed while this command ran; run it again.')
  return { userId: user.id, userName: user.userName, endedSessions: changed.endedSessions.length }
}
