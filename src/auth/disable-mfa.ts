import type { ClientInfo } from '../persistence/store.js'
import { withPasswordAndCode } from './check-second-factor.js'
import type { AuthContext } from './context.js'

/** `DELETE /api/accounts/me/mfa`: with the password and a code, the factor goes, its secret and codes erased. */
export function disableMfa(ctx: AuthContext, request: { userId: string; currentPassword: string; code: string; client: ClientInfo }): Promise<void> {
  return withPasswordAndCode(ctx, request, async (userId) => {
    await ctx.store.disableMfa({ userId, at: ctx.clock.now(), client: request.client, endSessions: false })
    ctx.log.info({ event: 'mfa_disabled', userId }, 'security event')
  })
}
