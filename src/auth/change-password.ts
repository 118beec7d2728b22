import { announceSessionEnds } from '../access-tokens/index.js'
import { checkNewPassword, normalizePassword } from '../domain/password-policy.js'
import { AppError, validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { verifyPassword } from './verify-password.js'

export interface PasswordChangeRequest {
  userId: string
  /** The caller's session: it keeps working, every other session of the user ends. */
  sessionId: string
  currentPassword: string
  newPassword: string
  client: ClientInfo
}

/**
 * A signed-in user changes their password. The new one follows the registration rules and must
 * differ from the current one; the current one must be right, else `invalid_current_password`.
 */
export async function changePassword(ctx: AuthContext, request: PasswordChangeRequest): Promise<void> {
  const user = await ctx.store.findUserById(request.userId)
  if (user === undefined || user.disabledAt !== null) throw new AppError('invalid_token', 'The session has ended.')
  const newPassword = normalizePassword(request.newPassword)
  const problems = checkNewPassword(newPassword, ctx.passwordPolicy, { userName: user.userName, email: user.email })
  if (newPassword === normalizePassword(request.currentPassword)) problems.push('Must differ from the current password.')
  if (problems.length > 0) throw validationFailed({ newPassword: problems })

  if (!(await verifyPassword(ctx, user, request.currentPassword))) {
    await ctx.store.recordEvent({ userId: user.id, type: 'login_failed', at: ctx.clock.now(), client: request.client })
    ctx.log.info({ event: 'login_failed', userId: user.id }, 'security event')
    throw wrongCurrentPassword()
  }
  const newHash = await ctx.hasher.hash(newPassword)
  const now = ctx.clock.now()
  const changed = await ctx.store.changePassword({
    userId: user.id,
    expectedHash: user.passwordHash,
    newHash,
    keepSessionId: request.sessionId,
    at: now,
    client: request.client,
  })
  // Another change or a reset committed while this one hashed: the password checked is no longer current.
  if (changed === undefined) throw wrongCurrentPassword()
  ctx.log.info({ event: 'password_changed', userId: user.id }, 'security event')
  for (const sessionId of changed.endedSessions) ctx.log.info({ event: 'session_ended', sessionId, reason: 'password_changed' }, 'security event')
  // Awaited: the answer must not overtake the ending on another worker.
  await announceSessionEnds(ctx, changed.endedSessions, now)
}

function wrongCurrentPassword(): AppError {
  return new AppError('invalid_current_password', 'The current password is incorrect.')
}
