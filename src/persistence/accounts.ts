import type { Database } from './database.js'
import { insertEvent } from './events.js'
import { endSelectedSessions } from './sessions.js'
import type { AccountStore } from './store.js'

export function createAccountStore(database: Database): AccountStore {
  const { db } = database

  return {
    async listLiveSessions(userId, at) {
      const rows = await db
        .selectFrom('sessions')
        .select(['id', 'created_at', 'last_used_at', 'expires_at', 'absolute_expires_at', 'ip_address', 'user_agent'])
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .where('expires_at', '>', at)
        .where('absolute_expires_at', '>', at)
        .orderBy('last_used_at', 'desc')
        .orderBy('created_at', 'desc')
        .execute()
      return rows.map((row) => ({
        id: row.id,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
        expiresAt: Math.min(row.expires_at, row.absolute_expires_at),
        ipAddress: row.ip_address,
        userAgent: row.user_agent,
      }))
    },

    async disableUser({ userId, at, client }) {
      return database.writeTransaction(async (trx) => {
        await trx.updateTable('users').set({ disabled_at: at }).where('id', '=', userId).where('disabled_at', 'is', null).execute()
        // In the same commit as the mark: no crash in between can leave a session refreshable.
        return { endedSessions: await endSelectedSessions(database, trx, { selector: { userId }, reason: 'disabled', at, client }) }
      })
    },

    async changePassword({ userId, expectedHash, newHash, keepSessionId, at, client }) {
      return database.writeTransaction(async (trx) => {
        // Compare-and-set: a reset or another change that committed while this request hashed
        // (seconds of work) wins, instead of being silently overwritten.
        const updated = await trx
          .updateTable('users')
          .set({ password_hash: newHash })
          .where('id', '=', userId)
          .where('password_hash', '=', expectedHash)
          .executeTakeFirst()
        if (Number(updated.numUpdatedRows) !== 1) return undefined
        await insertEvent(trx, { userId, type: 'password_changed', at, client })
        // A changed password voids every reset link of the user (contract §9): a link mailed
        // before the change must not undo it. Pending changes of address die too: one asked
        // for from a hijacked session must not outlive the owner taking the account back.
        await trx.deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', 'in', ['reset', 'change']).execute()
        // In the same commit as the new hash: whoever held the old password loses every session
        // with it, and no crash in between can leave one refreshable.
        const selector = keepSessionId === undefined ? { userId } : { userId, exceptSessionId: keepSessionId }
        const endedSessions = await endSelectedSessions(database, trx, { selector, reason: 'password_changed', at, client })
        return { endedSessions }
      })
    },
  }
}

