/** Kysely's view of the tables. Timestamps are epoch milliseconds on both databases. */
export interface Tables {
  users: UsersTable
  user_roles: UserRolesTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  signing_keys: SigningKeysTable
  security_events: SecurityEventsTable
}

export interface UsersTable {
  id: string
  user_name: string
  /** Lower-cased user name: the uniqueness key. */
  user_name_key: string
  email: string
  /** Lower-cased email: the uniqueness key. */
  email_key: string
  first_name: string
  last_name: string
  password_hash: string
  disabled_at: number | null
  created_at: number
}

export interface UserRolesTable {
  user_id: string
  role: string
}

export interface SessionsTable {
  id: string
  user_id: string
  created_at: number
  last_used_at: number
  /** Absolute end: created_at + SESSION_TTL. */
  absolute_expires_at: number
  /** Idle end: last login or refresh + REFRESH_TOKEN_TTL, capped by the absolute end. */
  expires_at: number
  ended_at: number | null
  end_reason: string | null
  ip_address: string | null
  user_agent: string | null
}

export interface RefreshTokensTable {
  id: string
  session_id: string
  /** SHA-256 of the token, base64url: the token itself is never stored. */
  token_hash: string
  issued_at: number
  expires_at: number
  used_at: number | null
  successor_id: string | null
  /** The successor token, sealed under a key derived from this (used) token; erased after the grace. */
  successor_sealed: string | null
}

export interface SigningKeysTable {
  kid: string
  algorithm: string
  public_key: string
  /** PKCS#8 PEM, sealed with KEY_ENCRYPTION_KEY when one is configured. */
  private_key: string
  created_at: number
  retired_at: number | null
}

export interface SecurityEventsTable {
  id: string
  user_id: string
  type: string
  at: number
  ip_address: string | null
  user_agent: string | null
}
