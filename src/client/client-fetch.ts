import { fetchWithSession } from './fetch-with-session.js'
import { guardNetwork, type Http, resolveUrl } from './http-request.js'
import type { SessionTokens } from './session-tokens.js'

/**
 * `fetch` with `Authorization: Bearer <access token>` added (none when signed out). A string path
 * is resolved under `baseUrl`; an absolute URL or a `Request` is used as it is. The answer is
 * returned whatever its status, after the refresh-and-retry-once of an expired token; a body must
 * be replayable (a string, Blob, FormData…, not a stream) for that retry.
 */
export function clientFetch(
  http: Http,
  session: SessionTokens,
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const template = input instanceof Request ? input : undefined
  const url = template === undefined ? resolveUrl(http.baseUrl, String(input)) : undefined
  const send = (accessToken: string | undefined): Promise<Response> =>
    guardNetwork(() => {
      if (template !== undefined) {
        // A clone per attempt: a Request's body can be read only once.
        const request = new Request(template.clone(), init)
        if (accessToken !== undefined) request.headers.set('authorization', `Bearer ${accessToken}`)
        return http.fetch(request)
      }
      const headers = new Headers(init?.headers)
      if (accessToken !== undefined) headers.set('authorization', `Bearer ${accessToken}`)
      return http.fetch(url as string, { ...init, headers })
    })
  return fetchWithSession(session, http.now, send)
}
