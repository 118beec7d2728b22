import { base32Decode, matchTotp } from '../crypto/totp.js'
import { formatRecoveryCode, generateRecoveryCodes } from '../domain/recovery-codes.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import { signedInUser } from './check-current-password.js'
import type { AuthContext } from './context.js'
import { endAttempt } from './end-attempt.js'
import { guardAttempt } from './guard-attempt.js'
import { recordFailedAttempt } from './record-failed-attempt.js'
import { reportEndedSessions } from './report-ended-sessions.js'
import { hashedRecoveryCodes } from './second-factor.js'

/**
 * `POST /api/accounts/me/mfa/totp/confirm`: the pending secret's current code turns the factor
 * on. Every other session of the user ends; ten recovery codes are returned, shown this once.
 */
export async function confirmTotp(
  ctx: AuthContext,
  request: { userId: string; sessionId: string; code: string; client: ClientInfo },
): Promise<{ recoveryCodes: string[] }> {
  const user = await signedInUser(ctx, request.userId)
  const mfa = await ctx.store.findMfa(user.id)
  if (mfa?.enabledAt != null) throw new AppError('mfa_already_enabled', 'Two-factor authentication is already on.')
  if (mfa?.pendingSecret == null) throw new AppError('not_found', 'No enrollment is pending: start one with POST /api/accounts/me/mfa/totp.')
  // A wrong code is a failure for (account, IP), at confirmation too (contract §10).
  const attempt = await guardAttempt(ctx, { userId: user.id, client: request.client })
  try {
    const secret = base32Decode(ctx.mfaSealer.open(mfa.pendingSecret))
    if (secret === undefined) throw new Error('the pending TOTP secret is not base32')
    const step = matchTotp(secret, request.code, ctx.clock.now(), undefined)
    if (step === undefined) {
      await recordFailedAttempt(ctx, attempt)
      throw new AppError('invalid_mfa_code', 'The code is incorrect.')
    }
    const codes = generateRecoveryCodes()
    const at = ctx.clock.now()
    const enabled = await ctx.store.enableMfa({
      userId: user.id,
      sealedSecret: mfa.pendingSecret,
      step,
      codeHashes: hashedRecoveryCodes(ctx, codes),
      keepSessionId: request.sessionId,
      at,
      client: request.client,
    })
    // A newer enrollment replaced the secret, or a racing confirmation won: this code proved nothing.
    if (enabled === undefined) throw new AppError('not_found', 'The enrollment changed meanwhile; start again.')
    ctx.log.info({ event: 'mfa_enabled', userId: user.id }, 'security event')
    await reportEndedSessions(ctx, { sessionIds: enabled.endedSessions, reason: 'mfa_enabled', at })
    return { recoveryCodes: codes.map(formatRecoveryCode) }
  } finally {
    await endAttempt(ctx, attempt)
  }
}
