import { AppError } from '../errors.js'
import type { AuthContext } from './context.js'

export interface Account {
  id: string
  userName: string
  email: string
  emailVerified: boolean
  mfaEnabled: boolean
  firstName: string
  lastName: string
  roles: string[]
  createdAt: number
}

/** The user's own account as they may see it: never the password hash. */
export async function getAccount(ctx: Pick<AuthContext, 'store'>, userId: string): Promise<Account> {
  const user = await ctx.store.findUserById(userId)
  if (user === undefined) throw new AppError('not_found', 'No such account.')
  return {
    id: user.id,
    userName: user.userName,
    email: user.email,
    emailVerified: user.emailVerifiedAt !== null,
    mfaEnabled: user.mfaEnabledAt != null,
    firstName: user.firstName,
    lastName: user.lastName,
    roles: await ctx.store.listRoles(user.id),
    createdAt: user.createdAt,
  }
}
