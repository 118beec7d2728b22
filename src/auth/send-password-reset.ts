import { passwordResetMail } from '../mail/compose.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { mailLinkToAddress } from './mail-link-to-address.js'

/**
 * `POST /api/auth/password-reset/send`: a reset link to the account with this address unless it
 * is disabled; the new link voids the user's earlier ones. Answered 202 whatever happened.
 */
export function sendPasswordReset(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  return mailLinkToAddress(ctx, email, client, {
    kind: 'reset',
    purpose: 'reset',
    event: 'password_reset_requested',
    compose: passwordResetMail,
    eligible: (user) => user.disabledAt === null,
    voids: ['reset'],
  })
}
