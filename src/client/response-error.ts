import { type FieldErrors, LatchkeyError, type LatchkeyErrorCode } from './latchkey-error.js'
import { parseRetryAfter } from './retry-after.js'

/** The code of an error answer that is not problem+json (a proxy's page, an empty body). */
const CODE_OF_STATUS: Record<number, LatchkeyErrorCode> = {
  401: 'authentication_required',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
}

/** Reads a non-2xx answer (problem+json, RFC 9457) into a {@link LatchkeyError}. */
export async function responseError(response: Response, nowMs: number): Promise<LatchkeyError> {
  const problem = await readProblem(response)
  const requestId = response.headers.get('x-request-id') ?? undefined
  return new LatchkeyError({
    status: response.status,
    code: typeof problem.code === 'string' ? problem.code : (CODE_OF_STATUS[response.status] ?? 'unexpected_response'),
    title: typeof problem.title === 'string' ? problem.title : response.statusText || `HTTP ${response.status}`,
    detail: typeof problem.detail === 'string' ? problem.detail : '',
    errors: isFieldErrors(problem.errors) ? problem.errors : undefined,
    retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after'), nowMs),
    mfaToken: typeof problem.mfaToken === 'string' ? problem.mfaToken : undefined,
    expiresIn: typeof problem.expiresIn === 'number' ? problem.expiresIn : undefined,
    requestId,
  })
}

/** No answer at all: the request may or may not have reached the server. */
export function networkError(cause: unknown): LatchkeyError {
  return new LatchkeyError({ status: 0, code: 'network_error', title: 'Network error', detail: 'The server could not be reached, or the connection dropped.', cause })
}

/** A 2xx answer whose body is not what the endpoint documents. */
export function unexpectedResponse(response: Response, cause?: unknown): LatchkeyError {
  return new LatchkeyError({ status: response.status, code: 'unexpected_response', title: 'Unexpected response', detail: 'The server answered something this client does not understand.', cause })
}

async function readProblem(response: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = JSON.parse(await response.text())
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function isFieldErrors(value: unknown): value is FieldErrors {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.values(value).every((messages) => Array.isArray(messages) && messages.every((m) => typeof m === 'string'))
}
