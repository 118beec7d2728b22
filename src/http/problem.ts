import type { FastifyReply } from 'fastify'
import type { ErrorCode, FieldErrors } from '../errors.js'

/** The one place an error code gets its HTTP status: a new code cannot ship without one. */
export const STATUS_OF = {
  invalid_json: 400,
  validation_failed: 400,
  invalid_grant: 400,
  invalid_link: 400,
  authentication_required: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_current_password: 403,
  email_not_verified: 403,
  mfa_required: 403,
  invalid_mfa_code: 400,
  mfa_already_enabled: 409,
  not_found: 404,
  duplicate_user_name: 409,
  duplicate_email: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<ErrorCode, number>

const TITLE_OF = {
  invalid_json: 'Invalid JSON',
  validation_failed: 'Validation failed',
  invalid_grant: 'Invalid grant',
  invalid_link: 'Invalid link',
  authentication_required: 'Authentication required',
  invalid_credentials: 'Invalid credentials',
  invalid_token: 'Invalid token',
  insufficient_scope: 'Insufficient scope',
  invalid_current_password: 'Invalid current password',
  email_not_verified: 'Email not verified',
  mfa_required: 'Second factor required',
  invalid_mfa_code: 'Invalid code',
  mfa_already_enabled: 'Second factor already enabled',
  not_found: 'Not found',
  duplicate_user_name: 'Duplicate user name',
  duplicate_email: 'Duplicate email',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  too_many_requests: 'Too many requests',
  internal_error: 'Internal error',
  service_unavailable: 'Service unavailable',
} as const satisfies Record<ErrorCode, string>

/** Sends an RFC 9457 problem document. `detail` must be safe for the client to read. */
export function sendProblem(
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  errors?: FieldErrors,
  options: { status?: number; members?: Record<string, unknown> } = {},
): FastifyReply {
  const status = options.status ?? STATUS_OF[code]
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ ...options.members, type: 'about:blank', title: TITLE_OF[code], status, detail, code, ...(errors === undefined ? {} : { errors }) })
}
