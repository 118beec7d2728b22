import type { Database, Executor } from './database.js'
import { createPostgresRefreshTokenStore } from './dialects/postgres-refresh-tokens.js'
import { createSqliteRefreshTokenStore } from './dialects/sqlite-refresh-tokens.js'
import type { NewRefreshToken, SessionStore } from './store.js'

export type RefreshTokenStore = Pick<SessionStore, 'findRefreshToken' | 'rotateRefreshToken' | 'claimGraceSuccessor'>

/**
 * The refresh-token half of the session repository: lookup, rotation and the grace claim. They
 * run on every refresh, so each dialect has its own, on prepared statements without the query
 * builder; the Store contract suite holds both to the same behaviour.
 */
export function createRefreshTokenStore(database: Database): RefreshTokenStore {
  if (database.sqlite !== undefined) return createSqliteRefreshTokenStore(database.sqlite)
  if (database.postgres !== undefined) return createPostgresRefreshTokenStore(database.postgres)
  throw new Error(`no refresh-token store for ${database.kind}`)
}

export function insertToken(executor: Executor, token: NewRefreshToken) {
  return executor
    .insertInto('refresh_tokens')
    .values({
      id: token.id,
      session_id: token.sessionId,
      token_hash: token.tokenHash,
      issued_at: token.issuedAt,
      expires_at: token.expiresAt,
      used_at: null,
      successor_id: null,
      successor_sealed: null,
    })
    .execute()
}
