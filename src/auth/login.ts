import { burnLegacyWork, legacyProfileOf } from '../crypto/legacy-work.js'
import { normalizePassword } from '../domain/password-policy.js'
import type { User } from '../domain/user.js'
import { AppError, isAppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext, TokenPair } from './context.js'
import { endAttempt } from './end-attempt.js'
import { guardAttempt } from './guard-attempt.js'
import { recordFailedAttempt } from './record-failed-attempt.js'
import { recordSuccessfulLogin } from './record-successful-login.js'
import { verifyPassword } from './verify-password.js'
import { secondStepRequired } from './mfa-challenge.js'
import { startSession } from './start-session.js'

/** Checks the password and starts a new session. */
export async function login(
  ctx: AuthContext,
  credentials: { userName: string; password: string },
  client: ClientInfo,
): Promise<TokenPair> {
  const user = await ctx.store.findUserByIdentifier(credentials.userName)
  // Contract §4.5: while this (account, address) waits, no password is checked and nothing counted.
  const attempt = await guardAttempt(ctx, { userId: user?.id, identifier: credentials.userName, client })
  try {
    const checked = await checkCredentials(ctx, user, credentials.password)
    if (checked.kind === 'wrong') {
      await recordFailedAttempt(ctx, attempt)
      throw invalidCredentials()
    }
    // A password set (or changed) while this login hashed: it was checked against a hash that is
    // no longer current, so it must not start a session — nor count as a guess.
    if (checked.kind === 'superseded') throw invalidCredentials()
    // Contract §9: told only to someone who knows the password, so it reveals nothing to others.
    if (ctx.config.emailVerification === 'required' && checked.user.emailVerifiedAt === null) {
      throw new AppError('email_not_verified', 'Verify your email address first: use the link mailed to you, or ask for a new one.')
    }
    // Contract §10: the password was right; the session starts only with the second factor.
    if (checked.user.mfaEnabledAt != null) throw await secondStepRequired(ctx, checked.user, checked.passwordHash)
    const pair = await startSession(ctx, { user: checked.user, passwordHash: checked.passwordHash, client, amr: ['pwd'] })
    if (pair === undefined) throw invalidCredentials()
    await recordSuccessfulLogin(ctx, attempt)
    ctx.log.info({ event: 'login_succeeded', userId: checked.user.id }, 'security event')
    return pair
  } finally {
    await endAttempt(ctx, attempt)
  }
}

type CheckedCredentials = { kind: 'right'; user: User; passwordHash: string } | { kind: 'wrong' } | { kind: 'superseded' }

/** Whether the password is right and the user may log in, with its hash (this server's own from now on). */
async function checkCredentials(ctx: AuthContext, user: User | undefined, password: string): Promise<CheckedCredentials> {
  const ownProfile = user === undefined ? undefined : legacyProfileOf(user.passwordHash)
  if (ownProfile !== undefined) ctx.legacyProfiles.remember(ownProfile)
  let right = false
  if (user === undefined) {
    // Same work, same answer as a wrong password: no way to tell which user names exist.
    await ctx.hasher.verifyDummy(normalizePassword(password))
  } else {
    right = (await verifyPassword(ctx, user, password)) && user.disabledAt === null
  }
  // Every login pays the PBKDF2 of each imported profile it did not run itself, so an unknown
  // user, a native account and an imported one all cost argon2id plus the same PBKDF2 work.
  await burnLegacyWork(
    ctx.legacyProfiles.list().filter((profile) => profile !== ownProfile),
    password,
  )
  if (user === undefined || !right) return { kind: 'wrong' }
  if (!ctx.hasher.needsRehash(user.passwordHash)) return { kind: 'right', user, passwordHash: user.passwordHash }
  // An imported (or older) hash becomes this server's own once the password is known — only if
  // it is still the hash just verified: `users set-password` or a password change may have
  // committed during the seconds of hashing, and a hash of the old password must not undo it.
  let passwordHash: string
  try {
    passwordHash = await ctx.hasher.hash(normalizePassword(password))
  } catch (error) {
    // Hashing is overloaded: the password is right, so the login goes on; the upgrade waits for the next one.
    if (isAppError(error, 'service_unavailable')) return { kind: 'right', user, passwordHash: user.passwordHash }
    throw error
  }
  const upgraded = await ctx.store.upgradePasswordHash({ userId: user.id, expectedHash: user.passwordHash, newHash: passwordHash })
  return upgraded ? { kind: 'right', user, passwordHash } : { kind: 'superseded' }
}

function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', 'The user name or password is incorrect.')
}
