import type { Generated } from 'kysely'

/** Kysely's view of the tables. Timestamps are epoch milliseconds on both databases. */
export interface Tables {
  users: UsersTable
  user_roles: UserRolesTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  signing_keys: SigningKeysTable
  security_events: SecurityEventsTable
  rate_limit_keys: RateLimitKeysTable
  rate_limit_hits: RateLimitHitsTable
  login_back_offs: LoginBackOffsTable
  login_failures: LoginFailuresTable
  login_known_ips: LoginKnownIpsTable
  session_ends: SessionEndsTable
  legacy_hash_profiles: LegacyHashProfilesTable
  email_tokens: EmailTokensTable
  mail_outbox: MailOutboxTable
  mfa_recovery_codes: MfaRecoveryCodesTable
  mfa_challenges: MfaChallengesTable
}

/** The PBKDF2 parameters (`prf$iterations$length`) of imported hashes still stored. */
export interface LegacyHashProfilesTable {
  profile: string
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
  /** When the current email was verified; null: it is not. */
  email_verified_at: number | null
  /** The TOTP secret (base32), sealed with KEY_ENCRYPTION_KEY when one is set; null: no factor. */
  mfa_secret: string | null
  /** A secret awaiting confirmation, sealed likewise. */
  mfa_pending_secret: string | null
  mfa_enabled_at: number | null
  /** The last TOTP step accepted. */
  mfa_last_step: number | null
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
  /** RFC 8176 methods, space-separated (`pwd`, `pwd otp`). */
  amr: Generated<string>
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

/** One row per ended session, in the order the endings committed; every process follows `position`. */
export interface SessionEndsTable {
  /** Handed out by the database, ever increasing, never reused (see the migration). */
  position: Generated<number>
  session_id: string
  ended_at: number
}

/** One row per client key of the rate limit: written first by each admission, so admissions of one key take turns. */
export interface RateLimitKeysTable {
  key: string
  touched_at: number
}

/** The requests the rate limit admitted, kept for one window. */
export interface RateLimitHitsTable {
  key: string
  at: number
}

/** Login back-off per (account key, client IP group); see domain/back-off.ts. */
export interface LoginBackOffsTable {
  subject_key: string
  ip_key: string
  failures: number
  last_failure_at: number
  in_flight: number
  in_flight_until: number
  throttle_noticed_at: number
}

/** Every failed login (or wrong current password) of an account, kept for an hour. */
export interface LoginFailuresTable {
  user_id: string
  at: number
}

/** The client IP groups that logged into an account, with the last time, kept for 30 days. */
export interface LoginKnownIpsTable {
  user_id: string
  ip_key: string
  last_login_at: number
}

/** The single-use tokens of mailed links (contract §9), by hash; deleted when used or voided. */
export interface EmailTokensTable {
  /** SHA-256 of the token, base64url. */
  token_hash: string
  user_id: string
  purpose: string
  /** The address the link proves. */
  email: string
  created_at: number
  expires_at: number
}

/** The transactional outbox of mail (contract §9). */
export interface MailOutboxTable {
  id: string
  user_id: string
  kind: string
  recipient: string
  subject: string
  /** Erased once sent or given up: the link lives only until the mail is out. */
  body_text: string | null
  created_at: number
  attempts: Generated<number>
  next_attempt_at: number
  claimed_until: Generated<number>
  sent_at: number | null
  failed_at: number | null
  last_error: string | null
}

/** A user's recovery codes, by HMAC only; a used code's row is deleted. */
export interface MfaRecoveryCodesTable {
  user_id: string
  code_hash: string
}

/** The second step of a login (contract §10): the mfaToken by hash. */
export interface MfaChallengesTable {
  token_hash: string
  user_id: string
  password_hash: string
  created_at: number
  expires_at: number
  attempts: Generated<number>
}
