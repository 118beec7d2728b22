import { type UncheckedRegistration, validateRegistration } from '../domain/registration.js'
import { DEFAULT_ROLE } from '../domain/user.js'
import { AppError, validationFailed } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
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
  roles: readonly string[] = [DEFAULT_ROLE],
): Promise<{ id: string }> {
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
  }
  const outcome = await ctx.store.createUser(user, roles, client)
  if (outcome === 'duplicate_user_name') throw new AppError(outcome, 'That user name is taken.')
  if (outcome === 'duplicate_email') throw new AppError(outcome, 'That email address is already registered.')
  ctx.log.info({ event: 'registered', userId: user.id }, 'security event')
  return { id: user.id }
}
