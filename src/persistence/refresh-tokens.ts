import type { Executor } from './database.js'
import type { NewRefreshToken } from './store.js'

/** Inserts a session's first refresh token (rotations insert theirs on the dialect's hot path). */
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
