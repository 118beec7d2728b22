import type { RefreshTokenRecord } from '../domain/session.js'
import type { Database, Executor } from './database.js'
import { insertEvent } from './events.js'
import type { ClientInfo, EndReason, NewRefreshToken, SecurityEvent, SessionStore } from './store.js'

export function createSessionStore(database: Database): SessionStore {
  const { db } = database

  return {
    async createSession(session, token, maxLive) {
      return database.writeTransaction(async (trx) => {
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
          })
          .execute()
        await insertToken(trx, token)
        const surplus = await trx
          .selectFrom('sessions')
          .select('id')
          .where('user_id', '=', session.userId)
          .where('ended_at', 'is', null)
          .where('expires_at', '>', session.createdAt)
          .orderBy('last_used_at', 'desc')
          .orderBy('created_at', 'desc')
          .offset(maxLive)
          .limit(1_000)
          .execute()
        const evicted: string[] = []
        for (const { id } of surplus) {
          if (await endOne(trx, id, 'evicted', session.createdAt, session.client)) evicted.push(id)
        }
        return { evicted }
      })
    },

    async findRefreshToken(tokenHash) {
      const row = await db
        .selectFrom('refresh_tokens as t')
        .innerJoin('sessions as s', 's.id', 't.session_id')
        .select([
          't.id',
          't.session_id',
          's.user_id',
          't.issued_at',
          't.expires_at',
          't.used_at',
          't.successor_id',
          't.successor_sealed',
          's.ended_at as session_ended_at',
          's.expires_at as session_expires_at',
          's.absolute_expires_at',
        ])
        .where('t.token_hash', '=', tokenHash)
        .executeTakeFirst()
      if (row === undefined) return undefined
      const record: RefreshTokenRecord = {
        id: row.id,
        sessionId: row.session_id,
        userId: row.user_id,
        issuedAt: row.issued_at,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        successorId: row.successor_id,
        successorSealed: row.successor_sealed,
        session: { endedAt: row.session_ended_at, expiresAt: row.session_expires_at, absoluteExpiresAt: row.absolute_expires_at },
      }
      return record
    },

    async rotateRefreshToken(rotation) {
      return database.writeTransaction(async (trx) => {
        // The one conditional write that makes rotation happen once: of two requests
        // presenting the same token, only one sees used_at still null.
        const used = await trx
          .updateTable('refresh_tokens')
          .set({ used_at: rotation.at, successor_id: rotation.successor.id, successor_sealed: rotation.successorSealed })
          .where('id', '=', rotation.usedId)
          .where('used_at', 'is', null)
          .executeTakeFirst()
        if (Number(used.numUpdatedRows) !== 1) return false
        await insertToken(trx, rotation.successor)
        await touchSession(trx, rotation.sessionId, rotation.at, rotation.client, rotation.sessionExpiresAt)
        return true
      })
    },

    async claimGraceSuccessor(successorId, sessionId, at, client) {
      // One statement decides: the successor is still unpresented and the session still live.
      // It also takes the successor's row lock, so a concurrent rotation of it comes after.
      const claimed = await db
        .updateTable('refresh_tokens')
        .set((eb) => ({ used_at: eb.ref('used_at') }))
        .where('id', '=', successorId)
        .where('used_at', 'is', null)
        .where('session_id', 'in', (eb) =>
          eb.selectFrom('sessions').select('id').where('id', '=', sessionId).where('ended_at', 'is', null).where('expires_at', '>', at),
        )
        .executeTakeFirst()
      if (Number(claimed.numUpdatedRows) !== 1) return false
      await touchSession(db, sessionId, at, client)
      return true
    },

    async endSessions(selector, reason, at, client, extraEvent) {
      return database.writeTransaction(async (trx) => {
        let query = trx.selectFrom('sessions').select('id').where('ended_at', 'is', null)
        if ('sessionId' in selector) query = query.where('id', '=', selector.sessionId)
        else {
          query = query.where('user_id', '=', selector.userId)
          if (selector.exceptSessionId !== undefined) query = query.where('id', '!=', selector.exceptSessionId)
        }
        const ended: string[] = []
        for (const { id } of await query.execute()) {
          if (await endOne(trx, id, reason, at, client, extraEvent)) ended.push(id)
        }
        return ended
      })
    },

    async listSessionsEndedSince(sinceMs) {
      const rows = await db.selectFrom('sessions').select(['id', 'ended_at']).where('ended_at', '>=', sinceMs).execute()
      return rows.map((row) => ({ id: row.id, endedAt: row.ended_at ?? sinceMs }))
    },

    async prune(nowMs, graceMs) {
      // A session past its end can present no token again, so its rows (kept until then to
      // detect reuse) can go; ended sessions stay a day for the activity trail.
      const deleted = await db
        .deleteFrom('sessions')
        .where((eb) =>
          eb.or([
            eb('expires_at', '<=', nowMs),
            eb('absolute_expires_at', '<=', nowMs),
            eb('ended_at', '<=', nowMs - 86_400_000),
          ]),
        )
        .executeTakeFirst()
      const erased = await db
        .updateTable('refresh_tokens')
        .set({ successor_sealed: null })
        .where('successor_sealed', 'is not', null)
        .where('used_at', '<=', nowMs - graceMs)
        .executeTakeFirst()
      return { sessions: Number(deleted.numDeletedRows), successorsErased: Number(erased.numUpdatedRows) }
    },
  }
}

function insertToken(executor: Executor, token: NewRefreshToken) {
  return executor
    .insertInto('refresh_tokens')
    .values({
      id: token.id,
      session_id: token.sessionId,
      token_hash: token.tokenHash,
      issued_at: token.issuedAt,
      expires_at: token.expiresAt,
      used_at: null,
      successor_id: null,
      successor_sealed: null,
    })
    .execute()
}

function touchSession(executor: Executor, sessionId: string, at: number, client: ClientInfo, expiresAt?: number) {
  return executor
    .updateTable('sessions')
    .set({
      last_used_at: at,
      ip_address: client.ipAddress,
      user_agent: client.userAgent,
      ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
    })
    .where('id', '=', sessionId)
    .execute()
}

/** Ends one live session (conditionally, so it is ended and recorded once) and records why. */
async function endOne(
  trx: Executor,
  sessionId: string,
  reason: EndReason,
  at: number,
  client: ClientInfo,
  extraEvent?: SecurityEvent['type'],
): Promise<boolean> {
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
  return true
}
