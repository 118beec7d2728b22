import type { RefreshTokenRecord } from '../../domain/session.js'

/** What both dialects' token lookup selects: the token, its session, and the user's name. */
export interface RefreshTokenRow {
  id: string
  session_id: string
  user_id: string
  issued_at: number
  expires_at: number
  used_at: number | null
  successor_id: string | null
  successor_sealed: string | null
  session_ended_at: number | null
  session_expires_at: number
  absolute_expires_at: number
  amr: string
  user_name: string
  user_disabled_at: number | null
}

/** The columns of that lookup; each dialect adds the roles its own way and the `where`. */
export const REFRESH_TOKEN_COLUMNS = `t.id, t.session_id, s.user_id, t.issued_at, t.expires_at, t.used_at, t.successor_id,
  t.successor_sealed, s.ended_at as session_ended_at, s.expires_at as session_expires_at, s.absolute_expires_at, s.amr, u.user_name,
  u.disabled_at as user_disabled_at`

export const REFRESH_TOKEN_JOINS = `refresh_tokens t join sessions s on s.id = t.session_id join users u on u.id = s.user_id`

export function toRefreshTokenRecord(row: RefreshTokenRow, roles: string[]): RefreshTokenRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    userId: row.user_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    successorId: row.successor_id,
    successorSealed: row.successor_sealed,
    session: { endedAt: row.session_ended_at, expiresAt: row.session_expires_at, absoluteExpiresAt: row.absolute_expires_at, amr: row.amr.split(' ') },
    user: { userName: row.user_name, roles, disabled: row.user_disabled_at !== null },
  }
}
