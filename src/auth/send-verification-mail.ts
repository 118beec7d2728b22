import { verificationMail } from '../mail/compose.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext } from './context.js'
import { mailLinkToAddress } from './mail-link-to-address.js'

/**
 * `POST /api/accounts/verify-email/send`: a verification link to the account with this address,
 * if it is enabled and not yet verified. Answered 202 whatever happened.
 */
export function sendVerificationMail(ctx: AuthContext, email: string, client: ClientInfo): Promise<void> {
  return mailLinkToAddress(ctx, email, client, {
    kind: 'verification',
    purpose: 'verify',
    event: 'verification_sent',
    compose: verificationMail,
    eligible: (user) => user.disabledAt === null && user.emailVerifiedAt === null,
  })
}
