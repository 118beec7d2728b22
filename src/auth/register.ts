import { type UncheckedRegistration, validateRegistration } from '../domain/registration.js'
import { DEFAULT_ROLE, type User } from '../domain/user.js'
import { verificationMail } from '../mail/compose.js'
import { AppError, validationFailed } from '../errors.js'
import type { ClientInfo, LinkMail } from '../persistence/store.js'
import { mailQueued, newLink, newMail } from './mail-links.js'
import type { AuthContext } from './context.js'
import { randomId } from '../crypto/random-id.js'

/**
 * Creates a user with the `api_access` role, in one transaction. Every rule is checked before
 * the password is hashed; then the user name clash, then the email clash (the store's order).
 */
export async function register(
  ctx: AuthContext,
  input: UncheckedRegistration,
  client: ClientInfo,
  options: { roles?: readonly string[]; byOperator?: boolean } = {},
): Promise<{ id: string }> {
  const { roles = [DEFAULT_ROLE], byOperator = false } = options
  const checked = validateRegistration(input, ctx.passwordPolicy)
  if (!checked.ok) throw validationFailed(checked.errors)
  const { value } = checked
  const user = {
    id: randomId(),
    userName: value.userName,
    email: value.email,
    firstName: value.firstName,
    lastName: value.lastName,
    passwordHash: await ctx.hasher.hash(value.password),
    disabledAt: null,
    createdAt: ctx.clock.now(),
    // Contract §9: users the CLI creates count as verified (the operator vouches for them).
    emailVerifiedAt: byOperator ? ctx.clock.now() : null,
  }
  // EMAIL_VERIFICATION=required: the link is queued in the registration's own transaction.
  const verification = !byOperator && ctx.config.emailVerification === 'required' ? verificationLink(ctx, user) : undefined
  const outcome = await ctx.store.createUser(user, roles, client, verification)
  if (outcome === 'duplicate_user_name') throw new AppError(outcome, 'That user name is taken.')
  if (outcome === 'duplicate_email') throw new AppError(outcome, 'That email address is already registered.')
  ctx.log.info({ event: 'registered', userId: user.id }, 'security event')
  if (verification !== undefined) mailQueued(ctx, 'verification_sent', user.id)
  return { id: user.id }
}

function verificationLink(ctx: AuthContext, user: User): LinkMail {
  const link = newLink(ctx, { userId: user.id, purpose: 'verify', email: user.email })
  const mail = newMail(ctx, {
    userId: user.id,
    kind: 'verification',
    recipient: user.email,
    ...verificationMail({ publicUrl: ctx.publicUrl(), token: link.token, userName: user.userName }),
  })
  return { token: link.stored, mails: [mail] }
}
