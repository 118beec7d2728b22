import { announceSessionEnds } from '../access-tokens/index.js'
import { generateRefreshToken, hashRefreshToken } from '../crypto/refresh-tokens.js'
import { randomId } from '../crypto/random-id.js'
import { idleExpiry } from '../domain/session.js'
import type { User } from '../domain/user.js'
import type { AuthMethods, ClientInfo } from '../persistence/store.js'
import type { AuthContext, TokenPair } from './context.js'
import { issueAccessToken } from './issue-access-token.js'

/** A user keeps at most this many live sessions; a login beyond it ends the least recently used. */
export const MAX_LIVE_SESSIONS = 100

/**
 * Starts a session with its first refresh token and signs its first access token. Undefined
 * (nothing written) when the user was disabled, the password changed since `passwordHash` was
 * verified, or (for `amr` without `otp`) a second factor was turned on meanwhile.
 */
export async function startSession(
  ctx: AuthContext,
  login: { user: User; passwordHash: string; client: ClientInfo; amr: AuthMethods },
): Promise<TokenPair | undefined> {
  const { user, client, amr } = login
  const now = ctx.clock.now()
  const { config } = ctx
  const absoluteExpiresAt = now + config.sessionTtlSeconds * 1000
  const expiresAt = idleExpiry(now, config.refreshTokenTtlSeconds, absoluteExpiresAt)
  const session = { id: randomId(), userId: user.id, amr, createdAt: now, expiresAt, absoluteExpiresAt, client }
  const refreshToken = generateRefreshToken()
  const token = { id: randomId(), sessionId: session.id, tokenHash: hashRefreshToken(refreshToken), issuedAt: now, expiresAt }
  const created = await ctx.store.createSession({ session, firstToken: token, maxLive: MAX_LIVE_SESSIONS, expectedPasswordHash: login.passwordHash })
  if (created === undefined) return undefined
  await announceSessionEnds(ctx, created.evicted, now)
  const roles = await ctx.store.listRoles(user.id)
  return { accessToken: issueAccessToken(ctx, user, roles, session), refreshToken }
}
