import type { RefreshTokenRecord } from '../domain/session.js'
import type { Database, Executor } from './database.js'
import type { ClientInfo, NewRefreshToken, SessionStore } from './store.js'

type RefreshTokenStore = Pick<SessionStore, 'findRefreshToken' | 'rotateRefreshToken' | 'claimGraceSuccessor'>

/** The refresh-token half of the session repository: lookup, rotation and the grace claim. */
export function createRefreshTokenStore(database: Database): RefreshTokenStore {
  const { db } = database

  return {
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
      try {
        return await database.writeTransaction(async (trx) => {
          // Touching the session first takes its row lock, so a concurrent ending of the session
          // comes wholly before this rotation (which then fails) or wholly after it.
          const live = await touchSession(trx, rotation.sessionId, rotation.at, rotation.client, rotation.sessionExpiresAt)
          if (!live) throw NOT_ROTATED
          // The one conditional write that makes rotation happen once: of two requests
          // presenting the same token, only one sees used_at still null.
          const used = await trx
            .updateTable('refresh_tokens')
            .set({ used_at: rotation.at, successor_id: rotation.successor.id, successor_sealed: rotation.successorSealed })
            .where('id', '=', rotation.usedId)
            .where('used_at', 'is', null)
            .executeTakeFirst()
          if (Number(used.numUpdatedRows) !== 1) throw NOT_ROTATED
          await insertToken(trx, rotation.successor)
          return true
        })
      } catch (error) {
        if (error === NOT_ROTATED) return false
        throw error
      }
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
  }
}

export function insertToken(executor: Executor, token: NewRefreshToken) {
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

/** Thrown inside a rotation to roll it back: the token was used or the session is over. */
const NOT_ROTATED = new Error('not rotated')

/** Records a use of a live session (true), or changes nothing when it has ended or expired (false). */
async function touchSession(executor: Executor, sessionId: string, at: number, client: ClientInfo, expiresAt?: number): Promise<boolean> {
  const touched = await executor
    .updateTable('sessions')
    .set({
      last_used_at: at,
      ip_address: client.ipAddress,
      user_agent: client.userAgent,
      ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
    })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst()
  return Number(touched.numUpdatedRows) === 1
}
