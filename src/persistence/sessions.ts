import type { Database, Executor } from './database.js'
import { insertEvent } from './events.js'
import { insertToken } from './refresh-tokens.js'
import type { ClientInfo, EndReason, SecurityEventType, SessionEnding, SessionStore } from './store.js'

export function createSessionStore(database: Database): SessionStore {
  const { db } = database

  return {
    ...database.refreshTokens,
    async createSession({ session, firstToken, maxLive, expectedPasswordHash }) {
      return database.writeTransaction(async (trx) => {
        // Re-checked under the user row's lock: a password change or a disable that commits
        // while the (slow) password check ran makes this login fail instead of leaving a
        // session behind that the change's own session ending could not see.
        const guard = await trx
          .updateTable('users')
          .set((eb) => ({ password_hash: eb.ref('password_hash') }))
          .where('id', '=', session.userId)
          .where('disabled_at', 'is', null)
          .where('password_hash', '=', expectedPasswordHash)
          // A password alone never starts a session of a user whose second factor is on, even
          // one turned on while this login hashed (contract §10).
          .$if(!(session.amr as readonly string[]).includes('otp'), (qb) => qb.where('mfa_enabled_at', 'is', null))
          .executeTakeFirst()
        if (Number(guard.numUpdatedRows) !== 1) return undefined
        await trx
          .insertInto('sessions')
          .values({
            id: session.id,
            user_id: session.userId,
            created_at: session.createdAt,
            last_used_at: session.createdAt,
            expires_at: session.expiresAt,
            absolute_expires_at: session.absoluteExpiresAt,
            ended_at: null,
            end_reason: null,
            ip_address: session.client.ipAddress,
            user_agent: session.client.userAgent,
            amr: session.amr.join(' '),
          })
          .execute()
        await insertToken(trx, firstToken)
        // The new session is never the one evicted, even when others were used in the same millisecond.
        const surplus = await trx
          .selectFrom('sessions')
          .select('id')
          .where('user_id', '=', session.userId)
          .where('id', '!=', session.id)
          .where('ended_at', 'is', null)
          .where('expires_at', '>', session.createdAt)
          .orderBy('last_used_at', 'desc')
          .orderBy('created_at', 'desc')
          .offset(maxLive - 1)
          .limit(1_000)
          .execute()
        const evicted = await endSessionsIn(database, trx, surplus.map(({ id }) => id), { reason: 'evicted', at: session.createdAt, client: session.client })
        // Recorded in the same commit: a session exists exactly when its login_succeeded does.
        await insertEvent(trx, { userId: session.userId, type: 'login_succeeded', at: session.createdAt, client: session.client })
        return { evicted }
      })
    },

    endSessions(ending) {
      return database.writeTransaction((trx) => endSelectedSessions(database, trx, ending))
    },

    async listSessionEndsAfter(position, limit) {
      const rows = await db
        .selectFrom('session_ends')
        .select(['position', 'session_id', 'ended_at'])
        .where('position', '>', position)
        .orderBy('position')
        .limit(limit)
        .execute()
      return rows.map((row) => ({ position: row.position, sessionId: row.session_id, endedAt: row.ended_at }))
    },

    async prune({ sessionsBefore, successorsBefore }) {
      const deleted = await db
        .deleteFrom('sessions')
        .where((eb) =>
          eb.or([
            eb('expires_at', '<=', sessionsBefore),
            eb('absolute_expires_at', '<=', sessionsBefore),
            eb('ended_at', '<=', sessionsBefore),
          ]),
        )
        .executeTakeFirst()
      // The same horizon as the sessions themselves: past it, no access token of the session can
      // pass anywhere, and every live process has long followed the row.
      await db.deleteFrom('session_ends').where('ended_at', '<=', sessionsBefore).execute()
      const erased = await db
        .updateTable('refresh_tokens')
        .set({ successor_sealed: null })
        .where('successor_sealed', 'is not', null)
        .where('used_at', '<=', successorsBefore)
        .executeTakeFirst()
      return { sessions: Number(deleted.numDeletedRows), successorsErased: Number(erased.numUpdatedRows) }
    },
  }
}

export interface EndingOfOne {
  sessionId: string
  reason: EndReason
  at: number
  client: ClientInfo
  /** Recorded beside `session_ended` (e.g. `refresh_reuse_detected`). */
  extraEvent?: SecurityEventType
}

/** Inside a `writeTransaction`: ends the selected live sessions; returns the ids it ended. */
export async function endSelectedSessions(
  database: Pick<Database, 'takeTurnsEndingSessions' | 'signalSessionEnd'>,
  trx: Executor,
  { selector, ...ending }: SessionEnding,
): Promise<string[]> {
  let query = trx.selectFrom('sessions').select('id').where('ended_at', 'is', null)
  if ('sessionId' in selector) {
    query = query.where('id', '=', selector.sessionId)
    if (selector.userId !== undefined) query = query.where('user_id', '=', selector.userId)
  } else {
    query = query.where('user_id', '=', selector.userId)
    if (selector.exceptSessionId !== undefined) query = query.where('id', '!=', selector.exceptSessionId)
  }
  return endSessionsIn(database, trx, (await query.execute()).map(({ id }) => id), ending)
}

/** Ends each of `sessionIds` that is still live, taking the turn once for them all. */
async function endSessionsIn(
  database: Pick<Database, 'takeTurnsEndingSessions' | 'signalSessionEnd'>,
  trx: Executor,
  sessionIds: readonly string[],
  ending: Omit<EndingOfOne, 'sessionId'>,
): Promise<string[]> {
  if (sessionIds.length === 0) return []
  await database.takeTurnsEndingSessions(trx)
  const ended: string[] = []
  for (const sessionId of sessionIds) if (await endOneInTurn(database, trx, { ...ending, sessionId })) ended.push(sessionId)
  return ended
}

/**
 * Inside a `writeTransaction`: ends one live session (conditionally, so it is ended and recorded
 * once), records why, and appends it to `session_ends`, which every process follows to refuse
 * the session's access tokens — the one place a session ends, so no ending can skip that.
 */
export async function endOne(
  database: Pick<Database, 'takeTurnsEndingSessions' | 'signalSessionEnd'>,
  trx: Executor,
  ending: EndingOfOne,
): Promise<boolean> {
  // The turn comes before the session row's lock: a transaction waiting for the turn while
  // holding a row that the turn's holder goes on to end would deadlock with it.
  await database.takeTurnsEndingSessions(trx)
  return endOneInTurn(database, trx, ending)
}

/** `endOne` for a transaction that already holds the turn. */
async function endOneInTurn(database: Pick<Database, 'signalSessionEnd'>, trx: Executor, { sessionId, reason, at, client, extraEvent }: EndingOfOne): Promise<boolean> {
  const ended = await trx
    .updateTable('sessions')
    .set({ ended_at: at, end_reason: reason })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst()
  if (ended === undefined) return false
  if (extraEvent !== undefined) await insertEvent(trx, { userId: ended.user_id, type: extraEvent, at, client })
  await insertEvent(trx, { userId: ended.user_id, type: 'session_ended', at, client })
  const { position } = await trx
    .insertInto('session_ends')
    .values({ session_id: sessionId, ended_at: at })
    .returning('position')
    .executeTakeFirstOrThrow()
  await database.signalSessionEnd(trx, position)
  return true
}
