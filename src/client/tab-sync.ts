import type { ChannelLike } from './platform.js'
import type { SerialQueue } from './serial-queue.js'
import { type SessionRef, sessionOf } from './session-ref.js'
import { openTabChannel, type TabMessage } from './tab-channel.js'
import type { StoredTokens, TokenStorage } from './token-storage.js'

/** What this tab tells the others, and what it learns from them. */
export interface TabSync {
  announceTokens(previousRefreshToken: string, tokens: StoredTokens): void
  announceEnd(session: SessionRef, everySession: boolean): void
  /**
   * The tokens another tab announces for `refreshToken` within `timeoutMs` (stored here by then),
   * or undefined. For a tab that sees the shared refresh token rotated before the message with
   * the new access token arrived.
   */
  awaitTokens(refreshToken: string, timeoutMs: number): Promise<StoredTokens | undefined>
  close(): void
}

/** Keeps this tab's storage and timer in step with the other tabs' messages. */
export function createTabSync(deps: {
  channel: ChannelLike | undefined
  storage: TokenStorage
  serial: SerialQueue
  /** The session this tab last saw live (a shared storage may already be cleared). */
  liveSession: () => SessionRef | undefined
  /** Another tab's tokens are now this tab's. */
  onTokens: (tokens: StoredTokens) => void
  /** Another tab ended this tab's session. */
  onEnded: () => void
}): TabSync {
  const { storage } = deps
  const waiters = new Map<string, Set<(tokens: StoredTokens) => void>>()
  let lastHeard: StoredTokens | undefined

  async function receive(message: TabMessage): Promise<void> {
    const stored = await storage.get()
    if (message.type === 'tokens') {
      // Only for the tokens this tab holds (or a shared storage already has): a late message about
      // older ones must not bring a used-up refresh token back.
      if (stored === undefined || ![message.previousRefreshToken, message.tokens.refreshToken].includes(stored.refreshToken)) return
      // A storage that is not (wholly) shared with the other tab takes the new tokens here.
      if (stored.accessToken !== message.tokens.accessToken) await storage.set(message.tokens)
      deps.onTokens(message.tokens)
      lastHeard = message.tokens
      for (const wake of waiters.get(message.tokens.refreshToken) ?? []) wake(message.tokens)
      return
    }
    const mine = stored === undefined ? deps.liveSession() : sessionOf(stored)
    if (mine === undefined) return
    const concerned = message.everySession ? mine.userId !== undefined && mine.userId === message.userId : mine.sessionId === message.sessionId
    if (!concerned) return
    if (stored !== undefined) await storage.clear()
    deps.onEnded()
  }

  const tabs = openTabChannel(deps.channel, (message) => void deps.serial(() => receive(message)).catch(() => undefined))

  return {
    announceTokens: (previousRefreshToken, tokens) => tabs.post({ type: 'tokens', previousRefreshToken, tokens }),
    announceEnd: (session, everySession) => tabs.post({ type: 'ended', sessionId: session.sessionId, userId: session.userId, everySession }),
    awaitTokens(refreshToken, timeoutMs) {
      if (deps.channel === undefined) return Promise.resolve(undefined)
      if (lastHeard?.refreshToken === refreshToken) return Promise.resolve(lastHeard)
      return new Promise((resolve) => {
        const wake = (tokens: StoredTokens | undefined): void => {
          clearTimeout(timeout)
          waiters.get(refreshToken)?.delete(wake)
          if (waiters.get(refreshToken)?.size === 0) waiters.delete(refreshToken)
          resolve(tokens)
        }
        const timeout = setTimeout(() => wake(undefined), timeoutMs)
        waiters.set(refreshToken, (waiters.get(refreshToken) ?? new Set()).add(wake))
      })
    },
    close: () => tabs.close(),
  }
}
