import { type Http, resolveUrl } from './http-request.js'
import { isLatchkeyError } from './latchkey-error.js'
import { networkError, responseError, unexpectedResponse } from './response-error.js'
import type { TokenResponse } from './wire-types.js'

/** A 503 is waited out once when the server asks for at most this long. */
const MAX_RETRY_AFTER_SECONDS = 5

/**
 * `POST /api/auth/refreshtoken`: trades `refreshToken` for a new pair.
 *
 * A lost answer (the request may have reached the server, which then used the token up, but no
 * answer came back: a dropped connection, a thrown fetch, a body cut short) is retried once with
 * the **same** token: within `REFRESH_REUSE_GRACE` the server answers the same successor, so the
 * user stays signed in where a retry with nothing would have logged them out. A `503` is retried
 * once after its `Retry-After` when that is at most 5 s. Any other failure is thrown as a
 * `LatchkeyError` (`invalid_grant`: the session is over).
 */
export async function exchangeRefreshToken(http: Http, refreshToken: string): Promise<TokenResponse> {
  let retriedLoss = false
  let waitedOut = false
  for (;;) {
    let response: Response
    let body: unknown
    try {
      response = await http.fetch(resolveUrl(http.baseUrl, '/api/auth/refreshtoken'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ refreshToken }),
      })
      if (response.ok) body = await response.json()
    } catch (error) {
      if (isLatchkeyError(error)) throw error
      if (retriedLoss) throw networkError(error)
      retriedLoss = true
      continue
    }
    if (response.ok) {
      if (!isTokenResponse(body)) throw unexpectedResponse(response)
      return body
    }
    const error = await responseError(response, http.now())
    const wait = error.retryAfterSeconds
    if (error.status !== 503 || waitedOut || wait === undefined || wait > MAX_RETRY_AFTER_SECONDS) throw error
    waitedOut = true
    await new Promise((resolve) => setTimeout(resolve, wait * 1000))
  }
}

/** Whether a 2xx body has the login/refresh shape. */
export function isTokenResponse(body: unknown): body is TokenResponse {
  if (typeof body !== 'object' || body === null) return false
  const { accessToken, refreshToken } = body as Record<string, unknown>
  if (typeof refreshToken !== 'string' || typeof accessToken !== 'object' || accessToken === null) return false
  const { token, expiresIn } = accessToken as Record<string, unknown>
  return typeof token === 'string' && typeof expiresIn === 'number'
}
