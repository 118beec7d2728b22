import { WRAPPED_PREFIX } from '../crypto/password-hasher.js'
import { normalizePassword } from '../domain/password-policy.js'
import type { User } from '../domain/user.js'
import type { AuthContext } from './context.js'

/** True when `typed` is the user's password, whether the stored hash is our own or an imported one. */
export function verifyPassword(ctx: Pick<AuthContext, 'hasher'>, user: Pick<User, 'passwordHash'>, typed: string): Promise<boolean> {
  // Identity hashed the password exactly as typed; this server hashes its NFKC form.
  const candidate = user.passwordHash.startsWith(WRAPPED_PREFIX) ? typed : normalizePassword(typed)
  return ctx.hasher.verify(user.passwordHash, candidate)
}
