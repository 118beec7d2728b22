import type { Database, Executor } from './database.js'
import type { EventStore, SecurityEvent } from './store.js'
import { randomId } from '../crypto/random-id.js'

export function insertEvent(executor: Executor, event: SecurityEvent) {
  return executor
    .insertInto('security_events')
    .values({
      id: randomId(),
      user_id: event.userId,
      type: event.type,
      at: event.at,
      ip_address: event.client.ipAddress,
      user_agent: event.client.userAgent,
    })
    .execute()
}

export function createEventStore({ db }: Database): EventStore {
  return {
    async recordEvent(event) {
      await insertEvent(db, event)
    },
    async listEvents(userId, limit) {
      const rows = await db
        .selectFrom('security_events')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute()
      return rows.map((row) => ({
        userId: row.user_id,
        type: row.type as SecurityEvent['type'],
        at: row.at,
        client: { ipAddress: row.ip_address, userAgent: row.user_agent },
      }))
    },
  }
}
