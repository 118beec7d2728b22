/**
 * The messages of the session-end broadcast over cluster IPC. Worker → primary: `ended`; primary →
 * every other worker: `apply`; each answers `applied`; primary → the first worker: `relayed`. A
 * worker says `ready` once it listens for `apply`: only then does the primary wait for it.
 * The `latchkey` tag keeps them apart from node:cluster's own messages.
 */
export type BroadcastMessage =
  | { latchkey: 'ended'; id: number; sessionIds: string[]; endedAt: number }
  | { latchkey: 'apply'; id: number; sessionIds: string[]; endedAt: number }
  | { latchkey: 'applied'; id: number }
  | { latchkey: 'relayed'; id: number }
  | { latchkey: 'ready'; id: number }

export function isBroadcastMessage<K extends BroadcastMessage['latchkey']>(
  message: unknown,
  kind: K,
): message is Extract<BroadcastMessage, { latchkey: K }> {
  if (typeof message !== 'object' || message === null) return false
  const fields = message as Record<string, unknown>
  if (fields.latchkey !== kind || typeof fields.id !== 'number') return false
  if (kind === 'applied' || kind === 'relayed' || kind === 'ready') return true
  return Array.isArray(fields.sessionIds) && fields.sessionIds.every((id) => typeof id === 'string') && typeof fields.endedAt === 'number'
}

/** How a worker or the primary hands a message on; `false` (or an error) means it did not go. */
export type Send = (message: BroadcastMessage, callback: (error: Error | null) => void) => boolean

/** Sends without ever throwing: a closed channel counts as a peer that will not answer. */
export function trySend(send: Send, message: BroadcastMessage, onFailure: () => void): void {
  try {
    send(message, (error) => {
      if (error !== null && error !== undefined) onFailure()
    })
  } catch {
    onFailure()
  }
}
