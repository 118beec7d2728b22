import type { StoredTokens, TokenStorage } from 'latchkey/client'

/** What this origin's localStorage holds for the console: the refresh token only. */
interface Persisted {
  refreshToken: string
}

/** The access token's part of the tokens: never written anywhere but this page's memory. */
type InMemory = Omit<StoredTokens, 'refreshToken'>

/**
 * The console's token storage: the refresh token in localStorage (it survives a reload and every
 * tab reads the same one, which is how tabs share the session and one refresh), the access token
 * in this page's memory only (an XSS that reads storage gets no bearer token; the strict CSP is
 * there so that it cannot run at all).
 *
 * `StoredTokens` always has an access token; a page that has only the refresh token (just
 * loaded, or another tab rotated it) reports an empty one that expired at 0, so the client
 * refreshes — or takes the other tab's new tokens from the BroadcastChannel — before it sends any
 * authorized request: the placeholder never reaches the wire.
 */
export function consoleStorage(key: string, area: Storage = localStorage): TokenStorage & { key: string } {
  let own: InMemory | undefined
  const persisted = (): Persisted | undefined => {
    try {
      const parsed: unknown = JSON.parse(area.getItem(key) ?? 'null')
      const refreshToken = (parsed as Partial<Persisted> | null)?.refreshToken
      return typeof refreshToken === 'string' && refreshToken !== '' ? { refreshToken } : undefined
    } catch {
      return undefined
    }
  }
  return {
    key,
    get() {
      const shared = persisted()
      if (shared === undefined) {
        own = undefined
        return undefined
      }
      return { accessToken: '', receivedAtMs: 0, expiresAtMs: 0, ...own, refreshToken: shared.refreshToken }
    },
    set({ refreshToken, ...inMemory }) {
      own = inMemory
      area.setItem(key, JSON.stringify({ refreshToken } satisfies Persisted))
    },
    clear() {
      own = undefined
      area.removeItem(key)
    },
  }
}
