import type { RefreshTokenStore } from '../../database.js'
import { REFRESH_TOKEN_COLUMNS, REFRESH_TOKEN_JOINS, type RefreshTokenRow, toRefreshTokenRecord } from '../refresh-token-row.js'
import type { PostgresConnection } from './postgres-database.js'

// Roles are gathered in the lookup itself, read afresh on every refresh.
const FIND = `select ${REFRESH_TOKEN_COLUMNS},
  array(select r.role from user_roles r where r.user_id = s.user_id order by r.role) as roles
  from ${REFRESH_TOKEN_JOINS} where t.token_hash = $1`

// One statement, so one round trip and one commit. `live` locks the session row first (as
// ending a session does), so an ending comes wholly before this rotation (which then finds no
// live session) or wholly after it. `used` is the one conditional write that makes rotation
// happen once: a racing rotation waits on the session lock, then re-checks used_at on the
// newest row version and finds it set. The session is touched and the successor inserted only
// from the row `used` returns, so a rotation that loses changes nothing.
const ROTATE = `with live as (
    select id from sessions where id = $1 and ended_at is null and expires_at > $2 for no key update
  ), used as (
    update refresh_tokens set used_at = $2, successor_id = $4, successor_sealed = $5
    where id = $3 and used_at is null and session_id in (select id from live)
    returning session_id
  ), touched as (
    update sessions set last_used_at = $2, ip_address = $6, user_agent = $7, expires_at = $8
    where id in (select session_id from used)
  ), successor as (
    insert into refresh_tokens (id, session_id, token_hash, issued_at, expires_at)
    select $4, session_id, $9, $10, $11 from used
  )
  select session_id from used`

// One statement decides: the successor is still unpresented and its session still live. Locks
// are taken in the rotation's order (session, then token), and the token's lock re-checks
// used_at on its newest version, so a concurrent rotation of the successor comes wholly before
// (the claim fails) or wholly after.
const CLAIM = `with live as (
    select id from sessions where id = $1 and ended_at is null and expires_at > $2 for no key update
  ), claimed as (
    select session_id from refresh_tokens
    where id = $3 and used_at is null and session_id in (select id from live)
    for no key update
  ), touched as (
    update sessions set last_used_at = $2, ip_address = $4, user_agent = $5
    where id in (select session_id from claimed)
  )
  select session_id from claimed`

/** Lookup, rotation and the grace claim as single prepared statements: one round trip each. */
export function createPostgresRefreshTokenStore(postgres: PostgresConnection): RefreshTokenStore {
  return {
    async findRefreshToken(tokenHash) {
      const [row] = await postgres.query<RefreshTokenRow & { roles: string[] }>('latchkey_find_refresh_token', FIND, [tokenHash])
      return row && toRefreshTokenRecord(row, row.roles)
    },

    async rotateRefreshToken({ usedId, sessionId, at, successor, successorSealed, sessionExpiresAt, client }) {
      const rows = await postgres.query('latchkey_rotate_refresh_token', ROTATE, [
        sessionId,
        at,
        usedId,
        successor.id,
        successorSealed,
        client.ipAddress,
        client.userAgent,
        sessionExpiresAt,
        successor.tokenHash,
        successor.issuedAt,
        successor.expiresAt,
      ])
      return rows.length === 1
    },

    async claimGraceSuccessor({ successorId, sessionId, at, client }) {
      const rows = await postgres.query('latchkey_claim_grace_successor', CLAIM, [sessionId, at, successorId, client.ipAddress, client.userAgent])
      return rows.length === 1
    },
  }
}
