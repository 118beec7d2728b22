import { formatRecoveryCode, generateRecoveryCodes } from '../domain/recovery-codes.js'
import type { ClientInfo } from '../persistence/store.js'
import { withPasswordAndCode } from './check-second-factor.js'
import type { AuthContext } from './context.js'
import { hashedRecoveryCodes } from './second-factor.js'

/** `POST /api/accounts/me/mfa/recovery-codes`: ten new codes, shown once; the old ones stop working. */
export function regenerateRecoveryCodes(
  ctx: AuthContext,
  request: { userId: string; currentPassword: string; code: string; client: ClientInfo },
): Promise<{ recoveryCodes: string[] }> {
  return withPasswordAndCode(ctx, request, async (userId) => {
    const codes = generateRecoveryCodes()
    await ctx.store.replaceRecoveryCodes(userId, hashedRecoveryCodes(ctx, codes))
    ctx.log.info({ event: 'recovery_codes_replaced', userId }, 'account change')
    return { recoveryCodes: codes.map(formatRecoveryCode) }
  })
}
