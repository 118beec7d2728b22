import { type Static, Type } from '#typebox'

// One schema per shape: it validates the request, types the handler, filters the response
// and writes the OpenAPI document. Property names match ignoring ASCII case (json-body.ts).
//
// The registration rules live in domain/registration.ts, which reports every bad field at once;
// the schema checks types and documents the rules. Limits an Ajv keyword would count differently
// (lengths after NFC/NFKC, trimming) are described rather than enforced here.

export const RegisterBody = Type.Object({
  firstName: Type.String({ description: '1–100 characters (code points after NFC) once trimmed; stored trimmed.' }),
  lastName: Type.String({ description: '1–100 characters (code points after NFC) once trimmed; stored trimmed.' }),
  email: Type.String({
    description: 'Trimmed; at most 254 characters in the grammar of an HTML type=email input. Unique ignoring case; stored trimmed with its letter case.',
  }),
  userName: Type.String({
    description: 'ASCII [A-Za-z0-9._@+-]{3,64}, not trimmed. Unique ignoring ASCII case, and not another user\'s email.',
  }),
  password: Type.String({
    description:
      'PASSWORD_MIN_LENGTH (default 8) to 128 characters after NFKC normalisation, never trimmed, no composition rules; ' +
      'not a common password and not the user name or email (ignoring case).',
  }),
})
export type RegisterBody = Static<typeof RegisterBody>

export const RegisterResponse = Type.Object({ id: Type.String(), success: Type.Boolean() })

export const LoginBody = Type.Object({
  // No upper bounds: any well-formed attempt gets the same 401 as a wrong password (the 16 KiB
  // body limit caps the work, and argon2 pre-hashes long input).
  userName: Type.String({ minLength: 1, description: 'The user name; failing that, an email address.' }),
  password: Type.String({ minLength: 1 }),
})
export type LoginBody = Static<typeof LoginBody>

export const TokenResponse = Type.Object({
  accessToken: Type.Object({
    token: Type.String({ description: 'A JWT (RFC 9068), sent as `Authorization: Bearer <token>`.' }),
    expiresIn: Type.Integer({ description: 'Seconds until it expires.' }),
  }),
  refreshToken: Type.String({ description: 'Opaque; works once. Trade it at /api/auth/refreshtoken.' }),
})

export const RefreshBody = Type.Object({
  refreshToken: Type.String(),
  accessToken: Type.Optional(Type.String({ description: 'Optional, as the sample sent it: checked against the refresh token.' })),
})
export type RefreshBody = Static<typeof RefreshBody>

export const ProtectedResponse = Type.Object({ result: Type.Boolean() })

const PROBLEM_DESCRIPTION = 'RFC 9457 problem details (application/problem+json).'

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    mfaToken: Type.Optional(Type.String({ description: '`mfa_required` only: the token of the second step, for POST /api/auth/login/mfa.' })),
    expiresIn: Type.Optional(Type.Integer({ description: '`mfa_required` only: seconds the mfaToken lives (300).' })),
  },
  { description: PROBLEM_DESCRIPTION },
)

const ProblemResponse = {
  description: PROBLEM_DESCRIPTION,
  content: { 'application/problem+json': { schema: Problem } },
}

/** The problem responses a route documents, by status, under their real media type. */
export function problems(...statuses: number[]): Record<number, typeof ProblemResponse> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemResponse]))
}

/** Instants on the wire: ISO 8601 UTC with milliseconds. */
export const isoTime = (ms: number): string => new Date(ms).toISOString()

const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds.' })

export const LogoutBody = Type.Object({
  refreshToken: Type.Optional(
    Type.String({ description: 'Any refresh token ever issued in the session, used or not. Without it (no body, an empty body or {}), the bearer token\'s own session ends.' }),
  ),
})
export type LogoutBody = Static<typeof LogoutBody>

export const SessionView = Type.Object({
  id: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: Type.String({ format: 'date-time', description: 'The last login or refresh.' }),
  expiresAt: Type.String({ format: 'date-time', description: 'min(last refresh + REFRESH_TOKEN_TTL, creation + SESSION_TTL).' }),
  ipAddress: Type.Union([Type.String(), Type.Null()], { description: 'Of the last login or refresh.' }),
  userAgent: Type.Union([Type.String(), Type.Null()], { description: 'Of the last login or refresh, cut to 512 characters.' }),
  current: Type.Boolean({ description: 'True for the session of the bearer token.' }),
})

export const SessionList = Type.Array(SessionView)

export const SessionParams = Type.Object({ id: Type.String() })
export type SessionParams = Static<typeof SessionParams>

export const AccountView = Type.Object({
  id: Type.String(),
  userName: Type.String(),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  firstName: Type.String(),
  lastName: Type.String(),
  roles: Type.Array(Type.String()),
  createdAt: Timestamp,
})

export const ChangePasswordBody = Type.Object({
  currentPassword: Type.String({ minLength: 1 }),
  newPassword: Type.String({ description: 'The registration rules apply; it must differ from the current password.' }),
})
export type ChangePasswordBody = Static<typeof ChangePasswordBody>

export const ActivityList = Type.Array(
  Type.Object({
    type: Type.String({
      description:
        'registered, login_succeeded, login_failed, login_throttled, refresh_reuse_detected, session_ended, password_changed, roles_changed, ' +
        'verification_sent, email_verified, password_reset_requested, password_reset, email_change_requested, email_changed, ' +
        'mfa_enabled, mfa_disabled, recovery_code_used',
    }),
    at: Timestamp,
    ipAddress: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
  }),
)

// Contract §9. As every body (contract §2), unknown members are ignored.
const EMAIL_DESCRIPTION = 'The grammar of registration (an HTML type=email address, at most 254 characters); matched ignoring case.'
const LINK_TOKEN_DESCRIPTION = 'The token from the link\'s fragment (`#token=…`). Any string that is not a live token is `invalid_link`.'

export const EmailBody = Type.Object({ email: Type.String({ description: EMAIL_DESCRIPTION }) })
export type EmailBody = Static<typeof EmailBody>

export const LinkTokenBody = Type.Object({ token: Type.String({ description: LINK_TOKEN_DESCRIPTION }) })
export type LinkTokenBody = Static<typeof LinkTokenBody>

export const PasswordResetBody = Type.Object(
  {
    token: Type.String({ description: LINK_TOKEN_DESCRIPTION }),
    newPassword: Type.String({ description: 'The registration rules apply. A refused password leaves the link usable.' }),
  },
)
export type PasswordResetBody = Static<typeof PasswordResetBody>

export const EmailChangeBody = Type.Object(
  {
    newEmail: Type.String({ description: EMAIL_DESCRIPTION }),
    currentPassword: Type.String({ minLength: 1 }),
  },
)
export type EmailChangeBody = Static<typeof EmailChangeBody>

// Contract §10.
const CODE_DESCRIPTION = 'A 6-digit code from the authenticator app (spaces ignored), or one of the recovery codes (case and `-` ignored).'

export const MfaPasswordBody = Type.Object({ currentPassword: Type.String({ minLength: 1 }) })
export type MfaPasswordBody = Static<typeof MfaPasswordBody>

export const MfaConfirmBody = Type.Object({ code: Type.String({ description: 'The current 6-digit code of the pending secret.' }) })
export type MfaConfirmBody = Static<typeof MfaConfirmBody>

export const MfaPasswordAndCodeBody = Type.Object({ currentPassword: Type.String({ minLength: 1 }), code: Type.String({ description: CODE_DESCRIPTION }) })
export type MfaPasswordAndCodeBody = Static<typeof MfaPasswordAndCodeBody>

export const LoginMfaBody = Type.Object({
  mfaToken: Type.String({ description: 'From the `403 mfa_required` answer of POST /api/auth/login.' }),
  code: Type.String({ description: CODE_DESCRIPTION }),
})
export type LoginMfaBody = Static<typeof LoginMfaBody>

export const TotpEnrollment = Type.Object({
  secret: Type.String({ description: 'Base32, 160 bits: for apps that cannot scan the URI.' }),
  otpauthUri: Type.String({ description: '`otpauth://totp/<issuer>:<userName>?secret=…&issuer=…`, to show as a QR code.' }),
})

export const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: '10 single-use codes, shown this once (`XXXXX-XXXXX`).' }),
})
