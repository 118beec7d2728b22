/** The tokens of one signed-in session, as the client keeps them. */
export interface StoredTokens {
  /** The access token (a JWT), sent as `Authorization: Bearer`. */
  accessToken: string
  /** The newest refresh token of the session: each one works once. */
  refreshToken: string
  /** When the access token was received, on this device's clock (epoch ms). */
  receivedAtMs: number
  /** When the access token expires, on this device's clock (epoch ms): see `tokensFromResponse`. */
  expiresAtMs: number
}

/**
 * Where the client keeps the tokens: the only place it ever writes them. Each method may be
 * synchronous or return a promise. To share a session across tabs, give every tab a storage that
 * reads the same data (e.g. {@link localStorageAdapter}).
 */
export interface TokenStorage {
  /** The stored tokens, or undefined when signed out. */
  get(): StoredTokens | undefined | Promise<StoredTokens | undefined>
  set(tokens: StoredTokens): void | Promise<void>
  clear(): void | Promise<void>
}

/** Keeps the tokens in this page's (or process's) memory only: the default. Gone on reload. */
export function memoryStorage(): TokenStorage {
  let stored: StoredTokens | undefined
  return {
    get: () => stored,
    set: (tokens) => {
      stored = { ...tokens }
    },
    clear: () => {
      stored = undefined
    },
  }
}

/** Whether a value read back from storage has the shape of {@link StoredTokens}. */
export function isStoredTokens(value: unknown): value is StoredTokens {
  if (typeof value !== 'object' || value === null) return false
  const tokens = value as Record<string, unknown>
  return (
    typeof tokens.accessToken === 'string' &&
    typeof tokens.refreshToken === 'string' &&
    typeof tokens.receivedAtMs === 'number' &&
    typeof tokens.expiresAtMs === 'number'
  )
}
