// The statements Latchkey's refresh rotation runs (src/persistence/refresh-tokens.ts), written
// out by hand: one indexed lookup, then one transaction of touch-session, conditional use, insert.

export const FIND_TOKEN = `select t.id, t.session_id, s.user_id, t.issued_at, t.expires_at, t.used_at, t.successor_id,
  t.successor_sealed, s.ended_at, s.expires_at as session_expires_at, s.absolute_expires_at
  from refresh_tokens t inner join sessions s on s.id = t.session_id where t.token_hash = ?`

export const TOUCH_SESSION = `update sessions set last_used_at = ?, ip_address = ?, user_agent = ?, expires_at = ?
  where id = ? and ended_at is null and expires_at > ?`

export const USE_TOKEN = `update refresh_tokens set used_at = ?, successor_id = ?, successor_sealed = ?
  where id = ? and used_at is null`

export const INSERT_TOKEN = `insert into refresh_tokens (id, session_id, token_hash, issued_at, expires_at, used_at,
  successor_id, successor_sealed) values (?, ?, ?, ?, ?, null, null, null)`

/** The same SQL with PostgreSQL's numbered parameters. */
export function numbered(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

/**
 * Stands in for the successor sealed under the used token (AES-GCM, as long as the real one):
 * the baseline measures the database work, not the crypto around it.
 */
export const SEALED_SUCCESSOR_STAND_IN = 'x'.repeat(16) + '.' + 'y'.repeat(58) + '.' + 'z'.repeat(22)

export const REFRESH_TTL_MS = 5 * 86_400_000
