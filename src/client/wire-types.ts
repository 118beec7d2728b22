// The shapes the server's endpoints take and answer (docs/api.md), as this client sees them.

/** `POST /api/accounts`: every field is required. */
export interface RegisterInput {
  firstName: string
  lastName: string
  email: string
  userName: string
  password: string
}

/** `POST /api/auth/login`: `userName` is the user name or, failing that, the email address. */
export interface LoginInput {
  userName: string
  password: string
}

/** `POST /api/auth/login/mfa`: the `mfaToken` of an `mfa_required` error and a TOTP or recovery code. */
export interface LoginMfaInput {
  mfaToken: string
  code: string
}

/** The answer of login and refresh. */
export interface TokenResponse {
  accessToken: { token: string; expiresIn: number }
  refreshToken: string
}

/** `GET /api/accounts/me`. Times are ISO 8601 UTC strings. */
export interface Account {
  id: string
  userName: string
  email: string
  emailVerified: boolean
  mfaEnabled: boolean
  firstName: string
  lastName: string
  roles: string[]
  createdAt: string
}

/** One of the user's live sessions (`GET /api/sessions`). */
export interface Session {
  id: string
  createdAt: string
  lastUsedAt: string
  expiresAt: string
  ipAddress: string | null
  userAgent: string | null
  /** True for the session this client is signed in with. */
  current: boolean
}

/** The security event types the server records (open-ended: a newer server may add some). */
export type ActivityType =
  | 'registered'
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'refresh_reuse_detected'
  | 'session_ended'
  | 'password_changed'
  | 'roles_changed'
  | 'verification_sent'
  | 'email_verified'
  | 'password_reset_requested'
  | 'password_reset'
  | 'email_change_requested'
  | 'email_changed'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'recovery_code_used'
  | (string & {})

/** One security event (`GET /api/accounts/me/activity`), newest first. */
export interface ActivityEvent {
  type: ActivityType
  at: string
  ipAddress: string | null
  userAgent: string | null
}

/** `POST /api/accounts/me/password`. */
export interface ChangePasswordInput {
  currentPassword: string
  newPassword: string
}

/** `POST /api/auth/password-reset`: the token of the mailed link and the new password. */
export interface ResetPasswordInput {
  token: string
  newPassword: string
}

/** `POST /api/accounts/me/email`. */
export interface ChangeEmailInput {
  newEmail: string
  currentPassword: string
}

/** `POST /api/accounts/me/mfa/totp`: the pending secret (base32) and the URI an authenticator app scans. */
export interface TotpEnrollment {
  secret: string
  /** `otpauth://totp/<issuer>:<userName>?secret=…&issuer=…`: show it as a QR code. */
  otpauthUri: string
}

/** The 10 single-use recovery codes, shown to the user once. */
export interface RecoveryCodes {
  recoveryCodes: string[]
}

/** Regenerating recovery codes and turning the factor off ask for both: the password, then a TOTP or recovery code. */
export interface SecondFactorInput {
  currentPassword: string
  code: string
}
