import type { Database } from './database.js'
import { insertEvent } from './events.js'
import { endSelectedSessions } from './sessions.js'
import type { MfaChallenge, MfaStore } from './store.js'

export function createMfaStore(database: Database): MfaStore {
  const { db } = database

  return {
    async findMfa(userId) {
      const row = await db
        .selectFrom('users')
        .select(['mfa_secret', 'mfa_pending_secret', 'mfa_enabled_at', 'mfa_last_step'])
        .where('id', '=', userId)
        .executeTakeFirst()
      return row && { secret: row.mfa_secret, pendingSecret: row.mfa_pending_secret, enabledAt: row.mfa_enabled_at, lastStep: row.mfa_last_step }
    },

    async setPendingMfaSecret({ userId, sealedSecret }) {
      const result = await db.updateTable('users').set({ mfa_pending_secret: sealedSecret }).where('id', '=', userId).where('mfa_enabled_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async enableMfa({ userId, sealedSecret, step, codeHashes, keepSessionId, at, client }) {
      return database.writeTransaction(async (trx) => {
        // Compare-and-set on the pending secret: a newer enrollment, or the factor turned on by
        // a racing confirmation, makes this one write nothing.
        const enabled = await trx
          .updateTable('users')
          .set({ mfa_secret: sealedSecret, mfa_pending_secret: null, mfa_enabled_at: at, mfa_last_step: step })
          .where('id', '=', userId)
          .where('mfa_pending_secret', '=', sealedSecret)
          .where('mfa_enabled_at', 'is', null)
          .executeTakeFirst()
        if (Number(enabled.numUpdatedRows) !== 1) return undefined
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute()
        await trx.insertInto('mfa_recovery_codes').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash }))).execute()
        await insertEvent(trx, { userId, type: 'mfa_enabled', at, client })
        // Sessions started with the password alone end with the change (contract §10): whoever
        // else held one must now pass the factor. The caller's own session keeps working.
        const endedSessions = await endSelectedSessions(database, trx, { selector: { userId, exceptSessionId: keepSessionId }, reason: 'mfa_enabled', at, client })
        return { endedSessions }
      })
    },

    async useTotpStep(userId, step) {
      // The conditional write is the replay guard: of two requests with codes of one step (on
      // any instances), one moves mfa_last_step and the other matches no row.
      const result = await db
        .updateTable('users')
        .set({ mfa_last_step: step })
        .where('id', '=', userId)
        .where('mfa_secret', 'is not', null)
        .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', step)]))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async useRecoveryCode(userId, hashes) {
      if (hashes.length === 0) return false
      const result = await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).where('code_hash', 'in', hashes).executeTakeFirst()
      return Number(result.numDeletedRows) >= 1
    },

    async replaceRecoveryCodes(userId, codeHashes) {
      await database.writeTransaction(async (trx) => {
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute()
        await trx.insertInto('mfa_recovery_codes').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash }))).execute()
      })
    },

    async disableMfa({ userId, at, client, endSessions }) {
      return database.writeTransaction(async (trx) => {
        const before = await trx.selectFrom('users').select('mfa_enabled_at').where('id', '=', userId).executeTakeFirst()
        await trx
          .updateTable('users')
          .set({ mfa_secret: null, mfa_pending_secret: null, mfa_enabled_at: null, mfa_last_step: null })
          .where('id', '=', userId)
          .execute()
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute()
        await trx.deleteFrom('mfa_challenges').where('user_id', '=', userId).execute()
        // Only a factor that was on is turned off: an abandoned enrollment just goes.
        if (before?.mfa_enabled_at != null) await insertEvent(trx, { userId, type: 'mfa_disabled', at, client })
        const endedSessions = endSessions ? await endSelectedSessions(database, trx, { selector: { userId }, reason: 'mfa_reset', at, client }) : []
        return { endedSessions }
      })
    },

    async createMfaChallenge(challenge) {
      await db
        .insertInto('mfa_challenges')
        .values({
          token_hash: challenge.tokenHash,
          user_id: challenge.userId,
          password_hash: challenge.passwordHash,
          created_at: challenge.createdAt,
          expires_at: challenge.expiresAt,
        })
        .execute()
    },

    async admitMfaAttempt({ tokenHash, at, maxAttempts }) {
      const row = await db
        .updateTable('mfa_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('token_hash', '=', tokenHash)
        .where('attempts', '<', maxAttempts)
        .where('expires_at', '>', at)
        .returningAll()
        .executeTakeFirst()
      return row && toChallenge(row)
    },

    async findMfaChallenge(tokenHash, at) {
      const row = await db.selectFrom('mfa_challenges').selectAll().where('token_hash', '=', tokenHash).where('expires_at', '>', at).executeTakeFirst()
      return row && toChallenge(row)
    },

    async consumeMfaChallenge(tokenHash) {
      const result = await db.deleteFrom('mfa_challenges').where('token_hash', '=', tokenHash).executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },

    async listMfaSecrets({ sealed, prefix, limit }) {
      const found: { userId: string; column: 'mfa_secret' | 'mfa_pending_secret'; value: string }[] = []
      for (const column of ['mfa_secret', 'mfa_pending_secret'] as const) {
        const rows = await db
          .selectFrom('users')
          .select(['id', column])
          .where(column, 'is not', null)
          .where(column, sealed ? 'like' : 'not like', `${prefix}%`)
          .limit(limit)
          .execute()
        for (const row of rows) found.push({ userId: row.id, column, value: row[column] as string })
      }
      return found.slice(0, limit)
    },

    async replaceMfaSecret({ userId, column, expected, value }) {
      const result = await db.updateTable('users').set({ [column]: value }).where('id', '=', userId).where(column, '=', expected).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async pruneMfaChallenges(before) {
      const result = await db.deleteFrom('mfa_challenges').where('expires_at', '<=', before).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

function toChallenge(row: { token_hash: string; user_id: string; password_hash: string; created_at: number; expires_at: number }): MfaChallenge {
  return { tokenHash: row.token_hash, userId: row.user_id, passwordHash: row.password_hash, createdAt: row.created_at, expiresAt: row.expires_at }
}
