import type { EventStore, SecurityEventType } from '../../src/persistence/store.js'

/** More events than any test records for one user, so none is cut off. */
const ENOUGH_EVENTS = 500

/** The types of a user's recorded security events, newest first. */
export async function eventTypes(store: Pick<EventStore, 'listEvents'>, userId: string): Promise<SecurityEventType[]> {
  return (await store.listEvents(userId, ENOUGH_EVENTS)).map((event) => event.type)
}

/** How many security events of `type` a user has recorded. */
export async function countEvents(store: Pick<EventStore, 'listEvents'>, userId: string, type: SecurityEventType): Promise<number> {
  return (await eventTypes(store, userId)).filter((recorded) => recorded === type).length
}
