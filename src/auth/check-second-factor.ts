import { AppError } from '../errors.js'
import type { ClientInfo, MfaState } from '../persistence/store.js'
import type { Attempt } from './guard-attempt.js'
import { guardCurrentPassword, signedInUser } from './check-current-password.js'
import type { AuthContext } from './context.js'
import { endAttempt } from './end-attempt.js'
import { recordFailedAttempt } from './record-failed-attempt.js'
import { useSecondFactor } from './second-factor.js'

/**
 * For the account endpoints that ask both (contract §10): the factor must be on (else 404), then
 * the password is checked (403, counted), then the code (`400 invalid_mfa_code`, counted), a
 * TOTP code or a recovery code, used up. Runs `work` with the attempt still guarded.
 */
export async function withPasswordAndCode<T>(
  ctx: AuthContext,
  request: { userId: string; currentPassword: string; code: string; client: ClientInfo },
  work: (userId: string) => Promise<T>,
): Promise<T> {
  const user = await signedInUser(ctx, request.userId)
  const mfa = await ctx.store.findMfa(user.id)
  if (mfa === undefined || mfa.enabledAt === null) throw new AppError('not_found', 'Two-factor authentication is off.')
  let attempt: Attempt | undefined
  try {
    attempt = await guardCurrentPassword(ctx, user, request.currentPassword, request.client)
    await requireCode(ctx, attempt, { userId: user.id, mfa, code: request.code, client: request.client })
    return await work(user.id)
  } finally {
    if (attempt !== undefined) await endAttempt(ctx, attempt)
  }
}

async function requireCode(ctx: AuthContext, attempt: Attempt, request: { userId: string; mfa: MfaState; code: string; client: ClientInfo }): Promise<void> {
  if ((await useSecondFactor(ctx, request)) !== undefined) return
  await recordFailedAttempt(ctx, attempt)
  throw new AppError('invalid_mfa_code', 'The code is incorrect.')
}
