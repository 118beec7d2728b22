import { isStoredTokens, type StoredTokens, type TokenStorage } from './token-storage.js'

/** The part of the Web Storage API the adapter uses (`window.localStorage` has it). */
export interface WebStorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * Keeps the tokens in `localStorage` under `key`, as JSON: they survive a reload and every tab of
 * the origin reads the same ones, which is what lets tabs share one session. Anything a script on
 * the page can read there is exposed to an XSS; serve the app with a strict Content-Security-Policy.
 *
 * @param key - the localStorage key (default `latchkey`).
 * @param webStorage - the Storage object to use (default `globalThis.localStorage`).
 */
export function localStorageAdapter(key = 'latchkey', webStorage?: WebStorageLike): TokenStorage {
  const area = (): WebStorageLike => {
    const found = webStorage ?? (globalThis as { localStorage?: WebStorageLike }).localStorage
    if (found === undefined) throw new Error('localStorageAdapter: no localStorage in this environment')
    return found
  }
  return {
    get(): StoredTokens | undefined {
      const raw = area().getItem(key)
      if (raw === null) return undefined
      try {
        const parsed: unknown = JSON.parse(raw)
        return isStoredTokens(parsed) ? parsed : undefined
      } catch {
        return undefined
      }
    },
    set(tokens) {
      area().setItem(key, JSON.stringify(tokens))
    },
    clear() {
      area().removeItem(key)
    },
  }
}
