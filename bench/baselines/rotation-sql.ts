// The statements of Latchkey's refresh rotation, written out by hand for the raw baselines: one
// indexed lookup that brings what the new access token needs (the session, the user's name and
// roles, as src/persistence/dialects/*/…-refresh-tokens.ts do), then one transaction of
// touch-session, conditional use, insert.

const FIND_COLUMNS = `t.id, t.session_id, s.user_id, t.issued_at, t.expires_at, t.used_at, t.successor_id,
  t.successor_sealed, s.ended_at, s.expires_at as session_expires_at, s.absolute_expires_at, u.user_name, u.disabled_at`
const FIND_JOINS = 'refresh_tokens t inner join sessions s on s.id = t.session_id inner join users u on u.id = s.user_id'

/** The lookup, per dialect (the roles gathered in the same statement, as Latchkey does). */
export const FIND_TOKEN = {
  sqlite: `select ${FIND_COLUMNS}, (select json_group_array(r.role) from user_roles r where r.user_id = s.user_id) as roles
  from ${FIND_JOINS} where t.token_hash = ?`,
  postgres: `select ${FIND_COLUMNS}, array(select r.role from user_roles r where r.user_id = s.user_id order by r.role) as roles
  from ${FIND_JOINS} where t.token_hash = $1`,
}

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

/** What a lookup must find for the token to be rotated: the row, unused, its session live. */
export interface TokenRow {
  id: string
  session_id: string
  used_at: number | string | null
  ended_at: number | string | null
}
