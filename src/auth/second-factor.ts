import { base32Decode, matchTotp } from '../crypto/totp.js'
import { deriveRecoveryCodePepper, hashRecoveryCode } from '../crypto/recovery-code-hash.js'
import { normalizeRecoveryCode } from '../domain/recovery-codes.js'
import type { ClientInfo, MfaState } from '../persistence/store.js'
import type { AuthContext } from './context.js'

/** Codes made before KEY_ENCRYPTION_KEY was set were hashed under the public pepper: they still work. */
const PUBLIC_PEPPER = deriveRecoveryCodePepper(undefined)

/**
 * Whether `code` is the user's current TOTP code or one of their recovery codes, using it up if
 * so (contract §10): a TOTP step once (recorded in the database, so across instances too), a
 * recovery code once (its row deleted, `recovery_code_used` recorded).
 */
export async function useSecondFactor(
  ctx: AuthContext,
  request: { userId: string; mfa: MfaState; code: string; client: ClientInfo },
): Promise<'totp' | 'recovery' | undefined> {
  const { userId, mfa, code } = request
  if (mfa.secret === null) return undefined
  const secret = base32Decode(ctx.mfaSealer.open(mfa.secret))
  if (secret === undefined) throw new Error('the stored TOTP secret is not base32')
  // matchTotp compares every step of the window in constant time and refuses steps already used.
  const step = matchTotp(secret, code, ctx.clock.now(), mfa.lastStep ?? undefined)
  if (step !== undefined) return (await ctx.store.useTotpStep(userId, step)) ? 'totp' : undefined
  const normalized = normalizeRecoveryCode(code)
  if (normalized === undefined) return undefined
  // Looked up by keyed hash: nothing about a stored code's value shows in the time taken.
  const hashes = [hashRecoveryCode(normalized, ctx.recoveryCodePepper), hashRecoveryCode(normalized, PUBLIC_PEPPER)]
  if (!(await ctx.store.useRecoveryCode(userId, [...new Set(hashes)]))) return undefined
  await ctx.store.recordEvent({ userId, type: 'recovery_code_used', at: ctx.clock.now(), client: request.client })
  ctx.log.info({ event: 'recovery_code_used', userId }, 'security event')
  return 'recovery'
}

/** Ten new recovery codes: as shown once to the user, and as stored (keyed hashes). */
export function hashedRecoveryCodes(ctx: Pick<AuthContext, 'recoveryCodePepper'>, codes: readonly string[]): string[] {
  return codes.map((code) => hashRecoveryCode(code, ctx.recoveryCodePepper))
}
