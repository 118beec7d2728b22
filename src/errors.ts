/** Every failure a client can see has one of these codes (contract §6). */
export type ErrorCode =
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

/** Field name → messages; `""` names the body as a whole. */
export type FieldErrors = Record<string, string[]>

/**
 * An expected failure, safe to show: `detail` is written for the client and never carries a
 * secret or an internal cause (that goes to the log through `cause`).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: {
      errors?: FieldErrors
      tokenExpired?: boolean
      retryAfterSeconds?: number
      /** Overrides the code's usual status where the contract gives it another (e.g. `invalid_mfa_code` at login: 401). */
      status?: number
      /** Extra members of the problem document (e.g. `mfaToken`, `expiresIn` of `mfa_required`). */
      members?: Record<string, unknown>
    } = {},
    options?: { cause?: unknown },
  ) {
    super(detail, options)
    this.name = 'AppError'
  }
}

export function validationFailed(errors: FieldErrors): AppError {
  return new AppError('validation_failed', 'The request has invalid fields.', { errors })
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code)
}
