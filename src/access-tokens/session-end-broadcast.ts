/**
 * Tells the other processes of this instance which sessions ended. `publish` resolves once every
 * worker of this instance has applied it — or, should one not answer, after a bounded wait (the
 * database poll still reaches it within a second).
 */
export interface SessionEndBroadcast {
  publish(sessionIds: readonly string[], endedAt: number): Promise<void>
}
