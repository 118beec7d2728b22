import { LatchkeyError } from './latchkey-error.js'
import type { FetchLike } from './platform.js'
import { networkError, responseError, unexpectedResponse } from './response-error.js'

/** How the client reaches the server. */
export interface Http {
  baseUrl: string
  fetch: FetchLike
  now: () => number
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i

/** `path` under `baseUrl` (which may carry a path prefix); an absolute URL is kept as it is. */
export function resolveUrl(baseUrl: string, path: string): string {
  if (ABSOLUTE_URL.test(path)) return path
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`)
}

/** Sends a request to the server, with a JSON body and a bearer token when given. */
export async function sendRequest(
  http: Http,
  request: { method: string; path: string; body?: unknown; accessToken?: string | undefined },
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (request.body !== undefined) headers['content-type'] = 'application/json'
  if (request.accessToken !== undefined) headers.authorization = `Bearer ${request.accessToken}`
  const body = request.body === undefined ? undefined : JSON.stringify(request.body)
  return guardNetwork(() => http.fetch(resolveUrl(http.baseUrl, request.path), { method: request.method, headers, body }))
}

/** Runs a fetch; a failure to get an answer becomes `network_error`, an abort stays an abort. */
export async function guardNetwork(send: () => Promise<Response>): Promise<Response> {
  try {
    return await send()
  } catch (error) {
    if (error instanceof LatchkeyError || isAbort(error)) throw error
    throw networkError(error)
  }
}

/** The JSON body of a 2xx answer, or the answer's error. */
export async function jsonAnswer<T>(http: Http, response: Response): Promise<T> {
  if (!response.ok) throw await responseError(response, http.now())
  try {
    return (await response.json()) as T
  } catch (error) {
    throw unexpectedResponse(response, error)
  }
}

/** Nothing from a 2xx answer (its body is dropped), or the answer's error. */
export async function emptyAnswer(http: Http, response: Response): Promise<void> {
  if (!response.ok) throw await responseError(response, http.now())
  await discardBody(response)
}

/** Lets go of an answer's body, so its connection can be reused. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined)
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError'
}
