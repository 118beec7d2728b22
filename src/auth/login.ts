import { WRAPPED_PREFIX } from '../crypto/password-hasher.js'
import { generateRefreshToken, hashRefreshToken } from '../crypto/refresh-tokens.js'
import { randomId } from '../crypto/random-id.js'
import { normalizePassword } from '../domain/password-policy.js'
import { idleExpiry } from '../domain/session.js'
import type { User } from '../domain/user.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext, TokenPair } from './context.js'
import { issueAccessToken } from './issue-access-token.js'
import { announceSessionEnds } from '../access-tokens/index.js'

/** A user keeps at most this many live sessions; a login beyond it ends the least recently used. */
export const MAX_LIVE_SESSIONS = 100

/** Checks the password and starts a new session. */
export async function login(
  ctx: AuthContext,
  credentials: { userName: string; password: string },
  client: ClientInfo,
): Promise<TokenPair> {
  const user = await ctx.store.findUserByIdentifier(credentials.userName)
  if (user === undefined) {
    // Same work, same answer as a wrong password: no way to tell which user names exist.
    await ctx.hasher.verifyDummy(normalizePassword(credentials.password))
    throw invalidCredentials()
  }
  if (!(await passwordMatches(ctx, user, credentials.password)) || user.disabledAt !== null) {
    await recordEvent(ctx, user.id, 'login_failed', client)
    throw invalidCredentials()
  }
  let passwordHash = user.passwordHash
  if (ctx.hasher.needsRehash(passwordHash)) {
    // An imported (or older) hash becomes this server's own once the password is known.
    passwordHash = await ctx.hasher.hash(normalizePassword(credentials.password))
    await ctx.store.updatePasswordHash(user.id, passwordHash)
  }
  const pair = await startSession(ctx, user, passwordHash, client)
  if (pair === undefined) throw invalidCredentials()
  ctx.log.info({ event: 'login_succeeded', userId: user.id }, 'security event')
  return pair
}

async function passwordMatches(ctx: AuthContext, user: User, typed: string): Promise<boolean> {
  // Identity hashed the password exactly as typed; this server hashes its NFKC form.
  const candidate = user.passwordHash.startsWith(WRAPPED_PREFIX) ? typed : normalizePassword(typed)
  return ctx.hasher.verify(user.passwordHash, candidate)
}

async function startSession(ctx: AuthContext, user: User, passwordHash: string, client: ClientInfo): Promise<TokenPair | undefined> {
  const now = ctx.clock.now()
  const { config } = ctx
  const absoluteExpiresAt = now + config.sessionTtlSeconds * 1000
  const expiresAt = idleExpiry(now, config.refreshTokenTtlSeconds, absoluteExpiresAt)
  const session = { id: randomId(), userId: user.id, createdAt: now, expiresAt, absoluteExpiresAt, client }
  const refreshToken = generateRefreshToken()
  const token = { id: randomId(), sessionId: session.id, tokenHash: hashRefreshToken(refreshToken), issuedAt: now, expiresAt }
  const created = await ctx.store.createSession({ session, firstToken: token, maxLive: MAX_LIVE_SESSIONS, expectedPasswordHash: passwordHash })
  if (created === undefined) return undefined
  await announceSessionEnds(ctx, created.evicted, now)
  const roles = await ctx.store.listRoles(user.id)
  return { accessToken: issueAccessToken(ctx, user, roles, session), refreshToken }
}

async function recordEvent(ctx: AuthContext, userId: string, type: 'login_failed', client: ClientInfo) {
  await ctx.store.recordEvent({ userId, type, at: ctx.clock.now(), client })
  ctx.log.info({ event: type, userId }, 'security event')
}

function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', 'The user name or password is incorrect.')
}
