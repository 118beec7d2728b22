/**
 * A stored refresh token with what the refresh decision needs of its session, and what the new
 * access token needs of its user (read in the same lookup, so a refresh reads once).
 */
export interface RefreshTokenRecord {
  id: string
  sessionId: string
  userId: string
  issuedAt: number
  expiresAt: number
  usedAt: number | null
  successorId: string | null
  successorSealed: string | null
  session: {
    endedAt: number | null
    /** Idle end: the last login or refresh + REFRESH_TOKEN_TTL, capped by the absolute end. */
    expiresAt: number
    absoluteExpiresAt: number
    /** RFC 8176 methods the session was started with: every access token of it carries them. */
    amr: string[]
  }
  /** The user's name and roles as they are now: read on every lookup, never kept across refreshes. */
  user: { userName: string; roles: string[]; disabled: boolean }
}

export type RefreshDecision =
  /** Unused and in date: use it up and issue a successor. */
  | { kind: 'rotate' }
  /** Used moments ago: hand back the same successor, if it is still unpresented. */
  | { kind: 'grace'; successorId: string; successorSealed: string }
  /** Used before, outside the grace: someone holds a copy. End the session. */
  | { kind: 'reuse' }
  /** Expired, its session is over, or its user is disabled: refuse, with no reuse event. */
  | { kind: 'reject' }

export function decideRefresh(token: RefreshTokenRecord, nowMs: number, graceSeconds: number): RefreshDecision {
  const { session } = token
  // A disabled user's sessions are ended in the same commit; this covers any that slip past it.
  if (token.user.disabled) return { kind: 'reject' }
  if (session.endedAt !== null || nowMs >= session.expiresAt || nowMs >= session.absoluteExpiresAt) {
    return { kind: 'reject' }
  }
  if (token.usedAt === null) return nowMs < token.expiresAt ? { kind: 'rotate' } : { kind: 'reject' }
  const inGrace = nowMs - token.usedAt < graceSeconds * 1000
  if (inGrace && token.successorId !== null && token.successorSealed !== null) {
    return { kind: 'grace', successorId: token.successorId, successorSealed: token.successorSealed }
  }
  // A used token outside its grace can only be a copy: whoever holds it may hold the
  // successors too, so the whole session must end (OAuth 2.0 Security BCP §4.14.2).
  return { kind: 'reuse' }
}

/** When a session that is refreshed (or started) now next goes idle. */
export function idleExpiry(nowMs: number, refreshTokenTtlSeconds: number, absoluteExpiresAt: number): number {
  return Math.min(nowMs + refreshTokenTtlSeconds * 1000, absoluteExpiresAt)
}
