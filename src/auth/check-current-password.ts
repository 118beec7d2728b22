import type { User } from '../domain/user.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { endAttempt } from './end-attempt.js'
import { type Attempt, guardAttempt } from './guard-attempt.js'
import { recordFailedAttempt } from './record-failed-attempt.js'
import { verifyPassword } from './verify-password.js'

/**
 * The guarded attempt of an account action (contract §5, §10): while (account, IP) waits after
 * failures nothing is checked (429); a wrong current password is `403 invalid_current_password`,
 * counted and recorded like a failed login. Give the attempt to `endAttempt` in a `finally`.
 */
export async function guardCurrentPassword(ctx: AuthContext, user: User, currentPassword: string, client: ClientInfo): Promise<Attempt> {
  const attempt = await guardAttempt(ctx, { userId: user.id, client })
  let right: boolean
  try {
    right = await verifyPassword(ctx, user, currentPassword)
  } catch (error) {
    // Hashing overloaded (503) or the database gone: the attempt counts neither way.
    await endAttempt(ctx, attempt)
    throw error
  }
  if (!right) {
    await recordFailedAttempt(ctx, attempt)
    throw new AppError('invalid_current_password', 'The current password is incorrect.')
  }
  return attempt
}

/** A signed-in user as the account endpoints need them: live and enabled. */
export async function signedInUser(ctx: AuthContext, userId: string): Promise<User> {
  const user = await ctx.store.findUserById(userId)
  if (user === undefined || user.disabledAt !== null) throw new AppError('invalid_token', 'The session has ended.')
  return user
}
