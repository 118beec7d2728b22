import { decodeJwtClaims } from './jwt-claims.js'
import { isLatchkeyError, LatchkeyError } from './latchkey-error.js'
import type { LocksLike } from './platform.js'
import { createRefreshTimer } from './refresh-timer.js'
import { createSerialQueue } from './serial-queue.js'
import { type TabChannel, type TabMessage } from './tab-channel.js'
import { refreshAtMs, tokensFromResponse } from './token-lifetime.js'
import type { StoredTokens, TokenStorage } from './token-storage.js'
import type { TokenResponse } from './wire-types.js'

/** Why a session ended, as `onSessionEnded` is told. */
export type SessionEndReason =
  /** This client's `logout`, `logoutAll` or `endSession` of its own session. */
  | 'logout'
  /** The refresh token was refused (`invalid_grant`): the session was ended elsewhere, expired, or its token was reused. */
  | 'refresh_rejected'
  /** The server refused the access token without `Token-Expired`: the session was ended elsewhere. */
  | 'token_rejected'
  /** Another tab ended it (a logout there logs out every tab). */
  | 'other_tab'

/** What `onSessionEnded` receives. */
export interface SessionEndedEvent {
  reason: SessionEndReason
}

/** A failed proactive refresh is tried again this soon (while the token still works). */
const RETRY_MS = 5_000

export interface SessionDeps {
  storage: TokenStorage
  now: () => number
  refreshAheadMs: number
  /** The refresh request itself (`exchangeRefreshToken`). */
  exchange: (refreshToken: string) => Promise<TokenResponse>
  locks: LocksLike | undefined
  lockName: string
  /** Opened on a handler this module supplies (see `handleTabMessage`). */
  openChannel: (onMessage: (message: TabMessage) => void) => TabChannel
  onSessionEnded: (event: SessionEndedEvent) => void
}

/** The signed-in session's tokens: when to refresh them, one refresh at a time, and their end. */
export interface SessionTokens {
  /** The stored tokens, refreshed first if they are due (a failed refresh is ignored while they still work). */
  forRequest(): Promise<StoredTokens | undefined>
  /** Tokens newer than `used`: those a concurrent caller or another tab already got, or a refresh's. */
  refresh(used: StoredTokens): Promise<StoredTokens>
  signIn(response: TokenResponse): Promise<void>
  /** Ends the session of `used` here: storage cleared, other tabs told, `onSessionEnded` called once. */
  end(used: StoredTokens, reason: SessionEndReason, options?: { everySession?: boolean }): Promise<void>
  current(): Promise<StoredTokens | undefined>
  close(): void
}

/** Which session, and whose, a set of tokens belongs to (from the JWT's `sid` and `sub`). */
interface SessionRef {
  sessionId: string
  userId: string | undefined
}

function sessionOf(tokens: StoredTokens): SessionRef {
  const claims = decodeJwtClaims(tokens.accessToken)
  return { sessionId: claims?.sid ?? tokens.refreshToken, userId: claims?.sub }
}

function sessionEnded(cause?: unknown): LatchkeyError {
  return new LatchkeyError({ status: 0, code: 'session_ended', title: 'Session ended', detail: 'The session has ended: sign in again.', cause })
}

export function createSessionTokens(deps: SessionDeps): SessionTokens {
  const { storage, now } = deps
  const serial = createSerialQueue()
  const timer = createRefreshTimer()
  let inFlight: Promise<StoredTokens> | undefined
  /** The session this client last saw live: an end is reported once, and a newer login left alone. */
  let live: SessionRef | undefined
  const tabs = deps.openChannel((message) => void serial(() => handleTabMessage(message)).catch(() => undefined))

  const read = async (): Promise<StoredTokens | undefined> => {
    const tokens = await storage.get()
    if (tokens !== undefined) live = sessionOf(tokens)
    return tokens
  }

  const schedule = (tokens: StoredTokens): void => {
    const atMs = refreshAtMs(tokens, deps.refreshAheadMs, Math.random() * 2 - 1)
    timer.set(atMs - now(), () => void onTimer(tokens.refreshToken, atMs))
  }

  async function onTimer(scheduledRefreshToken: string, atMs: number): Promise<void> {
    const tokens = await read()
    if (tokens === undefined) return
    if (tokens.refreshToken !== scheduledRefreshToken) return schedule(tokens)
    // The clock (the `now` option) may disagree with the timer: wait for it.
    if (now() < atMs) return timer.set(atMs - now(), () => void onTimer(scheduledRefreshToken, atMs))
    try {
      await refresh(tokens)
    } catch (error) {
      const leftMs = tokens.expiresAtMs - now()
      if (!isLatchkeyError(error, 'session_ended') && leftMs > 0) {
        timer.set(Math.min(RETRY_MS, leftMs / 2), () => void onTimer(scheduledRefreshToken, atMs))
      }
    }
  }

  /** One refresh per client at a time; with Web Locks, one per browser. */
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
    const current = await read()
    if (current === undefined) throw sessionEnded()
    if (current.refreshToken !== used.refreshToken && now() < current.expiresAtMs) {
      // Adopt: spending the newer refresh token again would only rotate it once more.
      schedule(current)
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

  async function commit(previous: StoredTokens, fresh: StoredTokens): Promise<StoredTokens> {
    const stored = await storage.get()
    // Signed out while the refresh was on its way: stay signed out (logout ended the session anyway).
    if (stored === undefined) throw sessionEnded()
    // A login stored other tokens meanwhile: keep them.
    if (stored.refreshToken !== previous.refreshToken && stored.refreshToken !== fresh.refreshToken) return stored
    await storage.set(fresh)
    live = sessionOf(fresh)
    tabs.post({ type: 'tokens', previousRefreshToken: previous.refreshToken, tokens: fresh })
    schedule(fresh)
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
      tabs.post({ type: 'ended', sessionId: ended.sessionId, userId: ended.userId, everySession: options.everySession === true })
      finish(reason)
    })
  }

  function finish(reason: SessionEndReason): void {
    live = undefined
    timer.cancel()
    deps.onSessionEnded({ reason })
  }

  async function handleTabMessage(message: TabMessage): Promise<void> {
    const stored = await storage.get()
    if (message.type === 'tokens') {
      // Only for the tokens this tab holds (or a shared storage already has): a late message about
      // older ones must not bring a used-up refresh token back.
      if (stored === undefined || ![message.previousRefreshToken, message.tokens.refreshToken].includes(stored.refreshToken)) return
      // A storage that is not (wholly) shared with the other tab gets the new tokens here.
      if (stored.accessToken !== message.tokens.accessToken) await storage.set(message.tokens)
      live = sessionOf(message.tokens)
      return schedule(message.tokens)
    }
    const mine = stored === undefined ? live : sessionOf(stored)
    if (mine === undefined) return
    const concerned = message.everySession ? mine.userId !== undefined && mine.userId === message.userId : mine.sessionId === message.sessionId
    if (!concerned) return
    if (stored !== undefined) await storage.clear()
    finish('other_tab')
  }

  void read().then((tokens) => tokens !== undefined && schedule(tokens), () => undefined)

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
      await serial(async () => {
        await storage.set(tokens)
        live = sessionOf(tokens)
      })
      schedule(tokens)
    },
    end,
    current: read,
    close() {
      timer.cancel()
      tabs.close()
    },
  }
}
