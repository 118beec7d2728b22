import { generateRefreshToken, hashRefreshToken, openSuccessor, sealSuccessor } from '../crypto/refresh-tokens.js'
import { randomId } from '../crypto/random-id.js'
import { decideRefresh, idleExpiry, type RefreshTokenRecord } from '../domain/session.js'
import { AppError } from '../errors.js'
import type { ClientInfo } from '../persistence/store.js'
import type { AuthContext, TokenPair } from './context.js'
import { endSessions } from './end-sessions.js'
import { issueAccessToken } from './issue-access-token.js'

/** Trades a refresh token for a new pair: rotation, grace and reuse detection (contract §4.3). */
export async function refreshSession(
  ctx: AuthContext,
  presented: { refreshToken: string; accessToken?: string },
  client: ClientInfo,
): Promise<TokenPair> {
  let record = await ctx.store.findRefreshToken(hashRefreshToken(presented.refreshToken))
  if (record === undefined) throw invalidGrant()
  // Checked before anything is used up, so a bad access token costs the caller nothing.
  if (presented.accessToken !== undefined) await checkAccessTokenMatches(ctx, presented.accessToken, record.userId)

  // At most twice: a rotation that loses a race re-reads the token, now used, and decides again.
  for (let attempt = 0; attempt < 2; attempt++) {
    const now = ctx.clock.now()
    const decision = decideRefresh(record, now, ctx.config.refreshReuseGraceSeconds)
    if (decision.kind === 'reject') throw invalidGrant()
    if (decision.kind === 'rotate') {
      const successor = await rotate(ctx, record, presented.refreshToken, now, client)
      if (successor !== undefined) return withAccessToken(ctx, record, successor)
    } else if (decision.kind === 'grace') {
      const successor = openSuccessor(presented.refreshToken, decision.successorSealed)
      if (successor !== undefined && (await ctx.store.claimGraceSuccessor({ successorId: decision.successorId, sessionId: record.sessionId, at: now, client }))) {
        return withAccessToken(ctx, record, successor)
      }
      return reuseDetected(ctx, record, client)
    } else {
      return reuseDetected(ctx, record, client)
    }
    record = (await ctx.store.findRefreshToken(hashRefreshToken(presented.refreshToken))) ?? record
  }
  return reuseDetected(ctx, record, client)
}

async function rotate(ctx: AuthContext, record: RefreshTokenRecord, used: string, now: number, client: ClientInfo) {
  const successor = generateRefreshToken()
  const expiresAt = idleExpiry(now, ctx.config.refreshTokenTtlSeconds, record.session.absoluteExpiresAt)
  const rotated = await ctx.store.rotateRefreshToken({
    usedId: record.id,
    sessionId: record.sessionId,
    at: now,
    successor: { id: randomId(), sessionId: record.sessionId, tokenHash: hashRefreshToken(successor), issuedAt: now, expiresAt },
    successorSealed: sealSuccessor(used, successor),
    sessionExpiresAt: expiresAt,
    client,
  })
  return rotated ? successor : undefined
}

function withAccessToken(ctx: AuthContext, record: RefreshTokenRecord, refreshToken: string): TokenPair {
  // The roles came with this refresh's own lookup of the token: read afresh, so a role change
  // shows in the very next access token.
  const user = { id: record.userId, userName: record.user.userName }
  // `amr` is the session's own: a refresh keeps the methods the login used (contract §10).
  const session = { id: record.sessionId, absoluteExpiresAt: record.session.absoluteExpiresAt, amr: record.session.amr }
  return { accessToken: issueAccessToken(ctx, user, record.user.roles, session), refreshToken }
}

/**
 * A used token came back outside its grace: a copy exists, so whoever holds it may also hold
 * the live successor. Ending the whole session is the only safe answer; it commits on its own
 * although the request fails.
 */
async function reuseDetected(ctx: AuthContext, record: RefreshTokenRecord, client: ClientInfo): Promise<never> {
  const ended = await endSessions(ctx, { selector: { sessionId: record.sessionId }, reason: 'reuse', client, extraEvent: 'refresh_reuse_detected' })
  if (ended.length > 0) ctx.log.warn({ event: 'refresh_reuse_detected', userId: record.userId, sessionId: record.sessionId }, 'security event')
  throw invalidGrant()
}

async function checkAccessTokenMatches(ctx: AuthContext, accessToken: string, userId: string): Promise<void> {
  const check = await ctx.keys.verify(accessToken)
  // Its expiry is ignored: the sample sends the expired access token along with the refresh token.
  const claims = check.ok ? check.claims : check.expired ? check.claims : undefined
  if (claims?.sub !== userId) throw invalidGrant()
}

function invalidGrant(): AppError {
  return new AppError('invalid_grant', 'The refresh token is invalid, expired or revoked.')
}
