import type { ChannelLike } from './platform.js'
import { isStoredTokens, type StoredTokens } from './token-storage.js'

/** What one tab tells the others. */
export type TabMessage =
  /** This tab refreshed: `tokens` replace the ones whose refresh token was `previousRefreshToken`. */
  | { type: 'tokens'; previousRefreshToken: string; tokens: StoredTokens }
  /** A session ended here (logout, refused refresh…): `everySession` ends all of `userId`'s. */
  | { type: 'ended'; sessionId: string; userId: string | undefined; everySession: boolean }

export interface TabChannel {
  post(message: TabMessage): void
  close(): void
}

/** Listens on `channel` (if any) for well-formed messages; posting on none does nothing. */
export function openTabChannel(channel: ChannelLike | undefined, onMessage: (message: TabMessage) => void): TabChannel {
  if (channel === undefined) return { post: () => undefined, close: () => undefined }
  const listener = (event: object): void => {
    const message = parseTabMessage((event as { data?: unknown }).data)
    if (message !== undefined) onMessage(message)
  }
  channel.addEventListener('message', listener)
  // Node's BroadcastChannel would otherwise keep the process alive, as a timer would.
  ;(channel as { unref?: () => void }).unref?.()
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.removeEventListener('message', listener),
  }
}

function parseTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const message = data as Record<string, unknown>
  if (message.type === 'tokens' && typeof message.previousRefreshToken === 'string' && isStoredTokens(message.tokens)) {
    return { type: 'tokens', previousRefreshToken: message.previousRefreshToken, tokens: message.tokens }
  }
  if (message.type === 'ended' && typeof message.sessionId === 'string' && typeof message.everySession === 'boolean') {
    const userId = typeof message.userId === 'string' ? message.userId : undefined
    return { type: 'ended', sessionId: message.sessionId, userId, everySession: message.everySession }
  }
  return undefined
}
