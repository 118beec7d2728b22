import { type AccountCalls, createAccountCalls } from './account-calls.js'
import { createApiCaller } from './api-caller.js'
import { clientFetch } from './client-fetch.js'
import { exchangeRefreshToken, isTokenResponse } from './exchange-refresh-token.js'
import { emptyAnswer, type Http, jsonAnswer } from './http-request.js'
import { type ChannelLike, defaultChannel, defaultLocks, type FetchLike, type LocksLike } from './platform.js'
import { unexpectedResponse } from './response-error.js'
import type { SessionEndedEvent } from './session-ended-event.js'
import { createSessionTokens } from './session-tokens.js'
import { memoryStorage, type TokenStorage } from './token-storage.js'
import { createTwoFactorCalls, type TwoFactorCalls } from './two-factor-calls.js'
import type { LoginInput, LoginMfaInput } from './wire-types.js'

/** How to build a client: only `baseUrl` is required. */
export interface ClientOptions {
  /** Where the Latchkey server is, e.g. `https://auth.example.com` (a path prefix is kept); `''` for the page's own origin. */
  baseUrl: string
  /** Where the tokens are kept (default: {@link memoryStorage}). */
  storage?: TokenStorage
  /** The `fetch` to use (default: the global one, looked up at each call). */
  fetch?: FetchLike
  /** The current time in epoch milliseconds (default `Date.now`). */
  now?: () => number
  /** Refresh this long before the access token expires, but never before halfway through its life (default 30). */
  refreshAheadSeconds?: number
  /** Called once when the session ends: logout, a refused refresh or token, or another tab's logout. */
  onSessionEnded?: (event: SessionEndedEvent) => void
  /** A Web Locks manager (default `navigator.locks` when there is one; `null`: none). */
  locks?: LocksLike | null
  /** A BroadcastChannel to the other tabs (default: a new `BroadcastChannel(name)` in a browser; `null`: none). */
  channel?: ChannelLike | null
  /** Names the lock (`<name>-refresh`) and the default channel (`<name>`): default `latchkey`. */
  name?: string
}

/** A signed-in (or not yet) user of one Latchkey server. */
export interface LatchkeyClient extends AccountCalls, TwoFactorCalls {
  /** `POST /api/auth/login`: starts a session. A second factor is asked for with a `mfa_required` error (see `isMfaRequired`). */
  login(input: LoginInput): Promise<void>
  /** `POST /api/auth/login/mfa`: completes a login that answered `mfa_required`. */
  loginMfa(input: LoginMfaInput): Promise<void>
  /** Ends this session (`POST /api/auth/logout` with the refresh token). The tokens are cleared even if the server cannot be reached; never fails. */
  logout(): Promise<void>
  /** `POST /api/auth/logout-all`: ends every session of the user, then clears the tokens. Fails (keeping them) if the server refuses. */
  logoutAll(): Promise<void>
  /** Whether tokens are stored (they may still turn out to be ended on the server). */
  isSignedIn(): Promise<boolean>
  /**
   * `fetch` with `Authorization: Bearer <access token>` (none when signed out), for the app's own
   * API. A path is resolved under `baseUrl`; an absolute URL or a `Request` is used as it is, so
   * pass only URLs that should see the token. The answer comes back whatever its status, after at
   * most one refresh-and-retry on `Token-Expired`; a body must be replayable (not a stream).
   * Fails with `network_error`, or `session_ended` when the refresh it needed was refused.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** Stops the refresh timer and stops listening to other tabs (closing the default channel). */
  close(): void
}

/**
 * Creates a client of a Latchkey server: sign-in, tokens kept and refreshed ahead of expiry (one
 * refresh at a time, across tabs too), typed calls, and `fetch` with the bearer token.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl: 'https://auth.example.com', onSessionEnded: () => showLogin() })
 * await client.login({ userName: 'ada', password: 'correct horse battery staple' })
 * const me = await client.me()
 * const orders = await client.fetch('https://api.example.com/orders')
 * ```
 */
export function createClient(options: ClientOptions): LatchkeyClient {
  const now = options.now ?? (() => Date.now())
  const http: Http = { baseUrl: options.baseUrl, now, fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)) }
  const name = options.name ?? 'latchkey'
  const ownChannel = options.channel === undefined ? defaultChannel(name) : undefined
  const session = createSessionTokens({
    storage: options.storage ?? memoryStorage(),
    now,
    refreshAheadMs: (options.refreshAheadSeconds ?? 30) * 1000,
    exchange: (refreshToken) => exchangeRefreshToken(http, refreshToken),
    locks: options.locks === null ? undefined : (options.locks ?? defaultLocks()),
    lockName: `${name}-refresh`,
    channel: options.channel ?? ownChannel,
    onSessionEnded: (event) => {
      try {
        options.onSessionEnded?.(event)
      } catch (error) {
        // The app's handler failed: report it without breaking the client's own bookkeeping.
        queueMicrotask(() => {
          throw error
        })
      }
    },
  })
  const api = createApiCaller(http, session)

  const signIn = async (answer: Promise<Response>): Promise<void> => {
    const response = await answer
    const body = await jsonAnswer<unknown>(http, response)
    if (!isTokenResponse(body)) throw unexpectedResponse(response)
    await session.signIn(body)
  }

  return {
    ...createAccountCalls(http, api, session),
    ...createTwoFactorCalls(http, api),
    login: ({ userName, password }) => signIn(api.anonymous('POST', '/api/auth/login', { userName, password })),
    loginMfa: ({ mfaToken, code }) => signIn(api.anonymous('POST', '/api/auth/login/mfa', { mfaToken, code })),
    async logout() {
      const tokens = await session.current()
      if (tokens === undefined) return
      try {
        // Any token of the session ends it, so one a concurrent refresh just used up still works.
        await emptyAnswer(http, await api.anonymous('POST', '/api/auth/logout', { refreshToken: tokens.refreshToken }))
      } catch {
        // Signed out here all the same; the session expires on the server.
      }
      await session.end(tokens, 'logout')
    },
    async logoutAll() {
      await emptyAnswer(http, await api.authorized('POST', '/api/auth/logout-all'))
      const tokens = await session.current()
      if (tokens !== undefined) await session.end(tokens, 'logout', { everySession: true })
    },
    isSignedIn: async () => (await session.current()) !== undefined,
    fetch: (input, init) => clientFetch(http, session, input, init),
    close() {
      session.close()
      ;(ownChannel as { close?: () => void } | undefined)?.close?.()
    },
  }
}
