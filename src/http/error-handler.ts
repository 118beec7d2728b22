import type { FastifyError, FastifyInstance } from 'fastify'
import { type ErrorCode, type FieldErrors, isAppError } from '../errors.js'
import { sendProblem } from './problem.js'

/** Fastify's own client errors, by code, in the contract's vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'not_found',
}

const DETAIL_OF: Partial<Record<ErrorCode, string>> = {
  payload_too_large: 'The body is larger than 16 KiB.',
  unsupported_media_type: 'Send the body as application/json.',
  invalid_json: 'The body is not valid JSON.',
  not_found: 'No such resource.',
}

/** Every error leaves as problem+json; causes and stacks go to the log only. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => sendProblem(reply, 'not_found', 'No such resource.'))

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      if (error.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extra.retryAfterSeconds))
      return sendProblem(reply, error.code, error.detail, error.extra.errors)
    }
    if (error.validation !== undefined) {
      return sendProblem(reply, 'validation_failed', 'The request has invalid fields.', fieldErrors(error.validation))
    }
    const code = FASTIFY_CODES[error.code] ?? (error instanceof SyntaxError ? 'invalid_json' : undefined)
    if (code !== undefined) return sendProblem(reply, code, DETAIL_OF[code] ?? 'The request is malformed.')
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error')
      return sendProblem(reply, 'validation_failed', 'The request is malformed.', { '': ['The request is malformed.'] })
    }
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, 'internal_error', 'Something went wrong on our side.')
  })
}

interface ValidationIssue {
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

/** Ajv's errors keyed by the top-level field they concern (`""` for the body itself). */
function fieldErrors(issues: readonly ValidationIssue[]): FieldErrors {
  const errors: FieldErrors = {}
  for (const issue of issues) {
    const missing = issue.params.missingProperty
    const field = typeof missing === 'string' ? missing : (issue.instancePath.split('/')[1] ?? '')
    const message = typeof missing === 'string' ? 'Is required.' : `${capitalise(issue.message ?? 'is invalid')}.`
    ;(errors[field] ??= []).push(message)
  }
  return errors
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
