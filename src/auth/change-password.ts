import { checkNewPassword, normalizePassword } from '../domain/password-policy.js'
import { AppError, validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endAttempt } from './end-attempt.js'
import { replacePassword } from './replace-password.js'
import { guardCurrentPassword, signedInUser } from './check-current-password.js'

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
  const user = await signedInUser(ctx, request.userId)
  const newPassword = normalizePassword(request.newPassword)
  const problems = checkNewPassword(newPassword, ctx.passwordPolicy, { userName: user.userName, email: user.email })
  if (newPassword === normalizePassword(request.currentPassword)) problems.push('Must differ from the current password.')
  if (problems.length > 0) throw validationFailed({ newPassword: problems })

  // A wrong current password is a guess like a failed login (contract §5): the same back-off for
  // (account, client IP), the same hourly count; while the key waits, nothing is checked.
  const attempt = await guardCurrentPassword(ctx, user, request.currentPassword, request.client)
  try {
    const changed = await replacePassword(ctx, {
      userId: user.id,
      expectedHash: user.passwordHash,
      newHash: await ctx.hasher.hash(newPassword),
      keepSessionId: request.sessionId,
      at: ctx.clock.now(),
      client: request.client,
    })
    // Another change or a reset committed while this one hashed: the password checked is no longer current.
    if (changed === undefined) throw wrongCurrentPassword()
  } finally {
    await endAttempt(ctx, attempt)
  }
}

function wrongCurrentPassword(): AppError {
  return new AppError('invalid_current_password', 'The current password is incorrect.')
}
