import { fetchWithSession } from './fetch-with-session.js'
import { type Http, sendRequest } from './http-request.js'
import type { SessionTokens } from './session-tokens.js'

/** Sends requests to the server's API: with no token, or with the session's (refreshed as needed). */
export interface ApiCaller {
  anonymous(method: string, path: string, body?: unknown): Promise<Response>
  authorized(method: string, path: string, body?: unknown): Promise<Response>
}

export function createApiCaller(http: Http, session: SessionTokens): ApiCaller {
  return {
    anonymous: (method, path, body) => sendRequest(http, { method, path, body }),
    authorized: (method, path, body) =>
      fetchWithSession(session, http.now, (accessToken) => sendRequest(http, { method, path, body, accessToken })),
  }
}
