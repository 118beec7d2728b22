import type { RefreshTokenStore } from '../../database.js'
import { REFRESH_TOKEN_COLUMNS, REFRESH_TOKEN_JOINS, type RefreshTokenRow, toRefreshTokenRecord } from '../refresh-token-row.js'
import type { SqliteConnection } from './sqlite-database.js'

// Roles are gathered in the lookup itself, read afresh on every refresh (and sorted in
// JavaScript: role names are ASCII, and SQLite would sort them in a temporary b-tree).
const FIND = `select ${REFRESH_TOKEN_COLUMNS},
  (select json_group_array(r.role) from user_roles r where r.user_id = s.user_id) as roles
  from ${REFRESH_TOKEN_JOINS} where t.token_hash = ?`

// The one conditional write that makes rotation happen once: of two requests presenting the
// same token, only one sees used_at still null — and only while its session is live.
const USE_TOKEN = `update refresh_tokens set used_at = @at, successor_id = @successorId, successor_sealed = @successorSealed
  where id = @usedId and used_at is null and session_id = @sessionId
    and exists (select 1 from sessions where id = @sessionId and ended_at is null and expires_at > @at)`

const INSERT_TOKEN = `insert into refresh_tokens (id, session_id, token_hash, issued_at, expires_at, used_at, successor_id, successor_sealed)
  values (@id, @sessionId, @tokenHash, @issuedAt, @expiresAt, null, null, null)`

const TOUCH_ROTATED = `update sessions set last_used_at = @at, ip_address = @ipAddress, user_agent = @userAgent, expires_at = @expiresAt
  where id = @sessionId`

// One statement decides: the successor is still unpresented and its session still live.
const CLAIM_AND_TOUCH = `update sessions set last_used_at = @at, ip_address = @ipAddress, user_agent = @userAgent
  where id = @sessionId and ended_at is null and expires_at > @at
    and exists (select 1 from refresh_tokens where id = @successorId and session_id = @sessionId and used_at is null)`

/**
 * Lookup, rotation and the grace claim straight on the SQLite connection with prepared
 * statements: each runs synchronously, its writes in one BEGIN IMMEDIATE transaction, so no
 * other request of this process and no other process can come between its reads and writes.
 */
export function createSqliteRefreshTokenStore(sqlite: SqliteConnection): RefreshTokenStore {
  return {
    findRefreshToken: (tokenHash) =>
      sqlite.read(() => {
        const row = sqlite.statement(FIND).get(tokenHash) as (RefreshTokenRow & { roles: string }) | undefined
        return row && toRefreshTokenRecord(row, (JSON.parse(row.roles) as string[]).sort())
      }),

    rotateRefreshToken: ({ usedId, sessionId, at, successor, successorSealed, sessionExpiresAt, client }) =>
      sqlite.write(() => {
        const used = sqlite.statement(USE_TOKEN).run({ at, successorId: successor.id, successorSealed, usedId, sessionId })
        if (used.changes !== 1) return false
        sqlite.statement(INSERT_TOKEN).run(successor)
        sqlite.statement(TOUCH_ROTATED).run({ at, ...client, expiresAt: sessionExpiresAt, sessionId })
        return true
      }),

    claimGraceSuccessor: ({ successorId, sessionId, at, client }) =>
      sqlite.write(() => sqlite.statement(CLAIM_AND_TOUCH).run({ at, ...client, sessionId, successorId }).changes === 1),
  }
}
