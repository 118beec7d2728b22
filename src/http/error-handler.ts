import type { Readable } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
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
export function registerErrorHandling(app: FastifyInstance, isUnavailable: (error: unknown) => boolean): void {
  app.setNotFoundHandler((_request, reply) => sendProblem(reply, 'not_found', 'No such resource.'))

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      if (error.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extra.retryAfterSeconds))
      const { status, members } = error.extra
      return sendProblem(reply, error.code, error.detail, error.extra.errors, { ...(status === undefined ? {} : { status }), ...(members === undefined ? {} : { members }) })
    }
    if (error.validation !== undefined) {
      return sendProblem(reply, 'validation_failed', 'The request has invalid fields.', fieldErrors(error.validation))
    }
    const code = FASTIFY_CODES[error.code] ?? (error instanceof SyntaxError ? 'invalid_json' : undefined)
    if (code === 'payload_too_large') return answerAfterDiscarding(request.raw, reply)
    if (code !== undefined) return sendProblem(reply, code, DETAIL_OF[code] ?? 'The request is malformed.')
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error')
      return sendProblem(reply, 'validation_failed', 'The request is malformed.', { '': ['The request is malformed.'] })
    }
    if (isUnavailable(error)) {
      // The database is gone or refusing: the client may retry; the cause stays in the log.
      request.log.warn({ err: error }, 'database unavailable')
      reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
      return sendProblem(reply, 'service_unavailable', 'The service is unavailable; try again shortly.')
    }
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, 'internal_error', 'Something went wrong on our side.')
  })
}

/** What a client is told to wait when the database cannot be reached. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5

/** How much of an oversized body is read and thrown away so its sender can read the 413. */
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024
const DISCARD_DEADLINE_MS = 10_000

/**
 * A 413 for a client that may still be sending: answering and closing at once would reset the
 * connection under the unread body, and the reset can destroy the answer before the client reads
 * it. So the rest of the body is read and discarded first (up to a limit, as mature servers do);
 * a body read to its end leaves the connection reusable, a larger or slower one is cut after.
 */
async function answerAfterDiscarding(raw: Readable & { complete?: boolean }, reply: FastifyReply): Promise<FastifyReply> {
  const drained = await discard(raw, DISCARD_LIMIT_BYTES, DISCARD_DEADLINE_MS)
  if (drained) reply.removeHeader('connection')
  return sendProblem(reply, 'payload_too_large', DETAIL_OF.payload_too_large ?? 'The body is too large.')
}

/** Reads `stream` to its end, throwing the bytes away; false once `limitBytes` or `deadlineMs` is passed. */
function discard(stream: Readable & { complete?: boolean }, limitBytes: number, deadlineMs: number): Promise<boolean> {
  if (stream.readableEnded || stream.complete === true) return Promise.resolve(true)
  return new Promise((resolve) => {
    let seen = 0
    const finish = (drained: boolean) => {
      clearTimeout(timer)
      stream.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure)
      resolve(drained)
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > limitBytes) finish(false)
    }
    const onEnd = () => finish(true)
    const onFailure = () => finish(false)
    const timer = setTimeout(onFailure, deadlineMs)
    stream.on('data', onData).on('end', onEnd).on('error', onFailure).on('close', onFailure)
    stream.resume()
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
