import { base32Encode, generateTotpSecret, otpauthUri } from '../crypto/totp.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import { guardCurrentPassword, signedInUser } from './check-current-password.js'
import type { AuthContext } from './context.js'
import { endAttempt } from './end-attempt.js'

/**
 * `POST /api/accounts/me/mfa/totp`: with the current password, a new pending TOTP secret
 * (160 random bits) replaces any earlier pending one; nothing is on until it is confirmed.
 */
export async function beginTotpEnrollment(
  ctx: AuthContext,
  request: { userId: string; currentPassword: string; client: ClientInfo },
): Promise<{ secret: string; otpauthUri: string }> {
  const user = await signedInUser(ctx, request.userId)
  if (user.mfaEnabledAt != null) throw alreadyEnabled()
  const attempt = await guardCurrentPassword(ctx, user, request.currentPassword, request.client)
  try {
    const secret = base32Encode(generateTotpSecret())
    // Sealed with KEY_ENCRYPTION_KEY when one is set: a copy of the database yields no secret.
    if (!(await ctx.store.setPendingMfaSecret({ userId: user.id, sealedSecret: ctx.mfaSealer.seal(secret) }))) throw alreadyEnabled()
    return { secret, otpauthUri: otpauthUri({ issuer: ctx.config.jwtIssuer, accountName: user.userName, secretBase32: secret }) }
  } finally {
    await endAttempt(ctx, attempt)
  }
}

function alreadyEnabled(): AppError {
  return new AppError('mfa_already_enabled', 'Two-factor authentication is already on; turn it off first to enroll again.')
}
