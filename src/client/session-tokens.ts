import { isLatchkeyError, LatchkeyError } from './latchkey-error.js'
import type { ChannelLike, LocksLike } from './platform.js'
import { createProactiveRefresh } from './proactive-refresh.js'
import { createSerialQueue } from './serial-queue.js'
import type { SessionEndedEvent, SessionEndReason } from './session-ended-event.js'
import { type SessionRef, sessionOf } from './session-ref.js'
import { createTabSync } from './tab-sync.js'
import { refreshAtMs, tokensFromResponse } from './token-lifetime.js'
import type { StoredTokens, TokenStorage } from './token-storage.js'
import type { TokenResponse } from './wire-types.js'

/** How long a tab that finds the shared refresh token rotated waits for the rotating tab's message. */
const AWAIT_OTHER_TAB_MS = 1_000

export interface SessionDeps {
  storage: TokenStorage
  now: () => number
  refreshAheadMs: number
  /** The refresh request itself (`exchangeRefreshToken`). */
  exchange: (refreshToken: string) => Promise<TokenResponse>
  locks: LocksLike | undefined
  lockName: string
  channel: ChannelLike | undefined
  onSessionEnded: (event: SessionEndedEvent) => void
}

/** The signed-in session's tokens: refreshed one at a time, ahead of expiry, until the session ends. */
export interface SessionTokens {
  /** The stored tokens, refreshed first if due (a failed refresh is ignored while they still work). */
  forRequest(): Promise<StoredTokens | undefined>
  /** Tokens newer than `used`: those a concurrent caller or another tab already got, or a refresh's. */
  refresh(used: StoredTokens): Promise<StoredTokens>
  signIn(response: TokenResponse): Promise<void>
  /** Ends the session of `used` here: storage cleared, other tabs told, `onSessionEnded` called once. */
  end(used: StoredTokens, reason: SessionEndReason, options?: { everySession?: boolean }): Promise<void>
  current(): Promise<StoredTokens | undefined>
  close(): void
}

function sessionEnded(cause?: unknown): LatchkeyError {
  return new LatchkeyError({ status: 0, code: 'session_ended', title: 'Session ended', detail: 'The session has ended: sign in again.', cause })
}

export function createSessionTokens(deps: SessionDeps): SessionTokens {
  const { storage, now } = deps
  const serial = createSerialQueue()
  let inFlight: Promise<StoredTokens> | undefined
  /** The session this client last saw live: its end is reported once, and a newer login is left alone. */
  let live: SessionRef | undefined

  const read = async (): Promise<StoredTokens | undefined> => {
    const tokens = await storage.get()
    if (tokens !== undefined) live = sessionOf(tokens)
    return tokens
  }
  const proactive = createProactiveRefresh({ now, refreshAheadMs: deps.refreshAheadMs, read, refresh: (used) => refresh(used) })
  const tabs = createTabSync({
    channel: deps.channel,
    storage,
    serial,
    liveSession: () => live,
    onTokens: (tokens) => {
      live = sessionOf(tokens)
      proactive.schedule(tokens)
    },
    onEnded: () => finish('other_tab'),
  })

  /** One refresh per client at a time and, with Web Locks, one per browser. */
  function refresh(used: StoredTokens): Promise<StoredTokens> {
    inFlight ??= (async () => {
      try {
        if (deps.locks === undefined) return await refreshOnce(used)
        return (await deps.locks.request(deps.lockName, () => refreshOnce(used))) as StoredTokens
      } finally {
        inFlight = undefined
      }
    })()
    return inFlight
  }

  async function refreshOnce(used: StoredTokens): Promise<StoredTokens> {
    // Read again now that this tab holds the lock: another tab may have refreshed meanwhile.
    const current = await adoptable(used)
    if (current === undefined) throw sessionEnded()
    if (current.refreshToken !== used.refreshToken && now() < current.expiresAtMs) {
      // Adopt: spending the newer refresh token as well would only rotate it once more.
      proactive.schedule(current)
      return current
    }
    let response: TokenResponse
    try {
      response = await deps.exchange(current.refreshToken)
    } catch (error) {
      if (!isLatchkeyError(error, 'invalid_grant')) throw error
      await end(current, 'refresh_rejected')
      throw sessionEnded(error)
    }
    // Stored before the lock is released, so the next tab's read sees it.
    return serial(() => commit(current, tokensFromResponse(response, now())))
  }

  /**
   * The stored tokens; when their refresh token was rotated by another tab but the access token
   * here is still the old one (a storage that shares only the refresh token), after waiting for
   * that tab's message with the new access token.
   */
  async function adoptable(used: StoredTokens): Promise<StoredTokens | undefined> {
    const current = await read()
    if (current === undefined || current.refreshToken === used.refreshToken || now() < current.expiresAtMs) return current
    return (await tabs.awaitTokens(current.refreshToken, AWAIT_OTHER_TAB_MS)) === undefined ? current : read()
  }

  async function commit(previous: StoredTokens, fresh: StoredTokens): Promise<StoredTokens> {
    const stored = await storage.get()
    // Signed out while the refresh was on its way: stay signed out (the logout ended the session).
    if (stored === undefined) throw sessionEnded()
    // A login stored other tokens meanwhile: keep those.
    if (stored.refreshToken !== previous.refreshToken && stored.refreshToken !== fresh.refreshToken) return stored
    await storage.set(fresh)
    live = sessionOf(fresh)
    tabs.announceTokens(previous.refreshToken, fresh)
    proactive.schedule(fresh)
    return fresh
  }

  function end(used: StoredTokens, reason: SessionEndReason, options: { everySession?: boolean } = {}): Promise<void> {
    return serial(async () => {
      const ended = sessionOf(used)
      const stored = await storage.get()
      // Tokens of another session (a new login) are not this end's to clear.
      if (stored !== undefined && sessionOf(stored).sessionId !== ended.sessionId) return
      const wasLive = stored !== undefined || live?.sessionId === ended.sessionId
      if (stored !== undefined) await storage.clear()
      if (!wasLive) return
      tabs.announceEnd(ended, options.everySession === true)
      finish(reason)
    })
  }

  function finish(reason: SessionEndReason): void {
    live = undefined
    proactive.cancel()
    deps.onSessionEnded({ reason })
  }

  void read().then((tokens) => tokens !== undefined && proactive.schedule(tokens), () => undefined)

  return {
    async forRequest() {
      const tokens = await read()
      if (tokens === undefined || now() < refreshAtMs(tokens, deps.refreshAheadMs)) return tokens
      try {
        return await refresh(tokens)
      } catch (error) {
        if (isLatchkeyError(error, 'session_ended') || now() >= tokens.expiresAtMs) throw error
        return tokens
      }
    },
    refresh,
    async signIn(response) {
      const tokens = tokensFromResponse(response, now())
      const previous = await serial(async () => {
        const replaced = await storage.get()
        await storage.set(tokens)
        live = sessionOf(tokens)
        return replaced
      })
      tabs.announceTokens(previous?.refreshToken ?? '', tokens)
      proactive.schedule(tokens)
    },
    end,
    current: read,
    close() {
      proactive.cancel()
      tabs.close()
    },
  }
}
