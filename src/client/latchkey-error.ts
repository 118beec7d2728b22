/** The codes a Latchkey server answers with (its problem+json `code` member). */
export type ServerErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'invalid_grant'
  | 'invalid_link'
  | 'authentication_required'
  | 'invalid_credentials'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_current_password'
  | 'email_not_verified'
  | 'mfa_required'
  | 'invalid_mfa_code'
  | 'mfa_already_enabled'
  | 'not_found'
  | 'duplicate_user_name'
  | 'duplicate_email'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal_error'
  | 'service_unavailable'

/**
 * Codes the client itself produces:
 * - `network_error`: no answer arrived (connection refused or dropped, DNS, CORS refusal, …);
 * - `session_ended`: the session is over (its refresh token was refused, or the user logged out
 *   meanwhile): sign in again;
 * - `unexpected_response`: an answer that is not what the endpoint documents (no problem+json).
 */
export type ClientErrorCode = 'network_error' | 'session_ended' | 'unexpected_response'

/**
 * Every code a {@link LatchkeyError} can carry. Open-ended (`string & {}`) so a code added by a
 * newer server still type-checks; branch on the known ones.
 */
export type LatchkeyErrorCode = ServerErrorCode | ClientErrorCode | (string & {})

/** Field name → messages, `""` for the body as a whole (`validation_failed` only). */
export type FieldErrors = Record<string, string[]>

/** What a {@link LatchkeyError} is made of. */
export interface LatchkeyErrorInit {
  /** The HTTP status, or 0 when no answer arrived (`network_error`, `session_ended`). */
  status: number
  code: LatchkeyErrorCode
  title?: string
  detail?: string
  errors?: FieldErrors
  retryAfterSeconds?: number
  mfaToken?: string
  expiresIn?: number
  requestId?: string
  cause?: unknown
}

/**
 * The one error type of `latchkey/client`: a problem+json answer of the server, or a failure of
 * the client (`network_error`, `session_ended`, `unexpected_response`). Branch on `code`, never on
 * the wording of `title` or `detail`.
 */
export class LatchkeyError extends Error {
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number
  /** The stable, machine-readable reason. */
  readonly code: LatchkeyErrorCode
  /** A short summary of the kind of error. */
  readonly title: string
  /** A sentence for humans; its wording may change. */
  readonly detail: string
  /** With `validation_failed`: the bad fields and what is wrong with each. */
  readonly errors?: FieldErrors
  /** From `Retry-After` (429, 503): whole seconds to wait before trying again. */
  readonly retryAfterSeconds?: number
  /** With `mfa_required`: pass it to `loginMfa` with the user's code. */
  readonly mfaToken?: string
  /** With `mfa_required`: seconds the `mfaToken` stays usable. */
  readonly expiresIn?: number
  /** The server's `X-Request-Id` for the failed request: quote it when reporting a problem. */
  readonly requestId?: string

  constructor(init: LatchkeyErrorInit) {
    super(init.detail ?? init.title ?? init.code, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'LatchkeyError'
    this.status = init.status
    this.code = init.code
    this.title = init.title ?? init.code
    this.detail = init.detail ?? ''
    if (init.errors !== undefined) this.errors = init.errors
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds
    if (init.mfaToken !== undefined) this.mfaToken = init.mfaToken
    if (init.expiresIn !== undefined) this.expiresIn = init.expiresIn
    if (init.requestId !== undefined) this.requestId = init.requestId
  }
}

/** A `LatchkeyError` whose second factor is asked for: `mfaToken` and `expiresIn` are present. */
export type MfaRequiredError = LatchkeyError & { readonly code: 'mfa_required'; readonly mfaToken: string; readonly expiresIn: number }

/** Whether `error` is a {@link LatchkeyError}, with the given `code` when one is named. */
export function isLatchkeyError<C extends LatchkeyErrorCode>(error: unknown, code?: C): error is LatchkeyError & { readonly code: C } {
  return error instanceof LatchkeyError && (code === undefined || error.code === code)
}

/** Whether a login answered `403 mfa_required`: then call `loginMfa({ mfaToken: error.mfaToken, code })`. */
export function isMfaRequired(error: unknown): error is MfaRequiredError {
  return isLatchkeyError(error, 'mfa_required') && typeof error.mfaToken === 'string'
}
