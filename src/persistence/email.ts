import { subjectKey } from '../domain/back-off.js'
import { identifierKey } from '../domain/user.js'
import type { Database, Executor } from './database.js'
import { insertEvent } from './events.js'
import { endSelectedSessions } from './sessions.js'
import type { ClientInfo, EmailStore, LinkToken, NewMail, OutboxMail, SecurityEventType } from './store.js'

const HOUR_MS = 60 * 60 * 1000

/** Thrown inside a transaction to roll it back with an outcome. */
class Rollback<T> extends Error {
  constructor(readonly outcome: T) {
    super('rolled back')
  }
}

export function createEmailStore(database: Database): EmailStore {
  const { db } = database

  return {
    async queueLinkMail({ userId, at, kind, maxPerHour, voids = [], token, mails, event, client }) {
      return database.writeTransaction(async (trx) => {
        // The same statements whether or not the address named an account (`userId` undefined
        // matches no row): the answer takes the same time either way.
        const id = userId ?? ''
        // Locks the user's row until commit, so concurrent requests count one after the other
        // and the hourly cap holds across instances (SQLite: BEGIN IMMEDIATE already serialises).
        await trx.updateTable('users').set((eb) => ({ email_verified_at: eb.ref('email_verified_at') })).where('id', '=', id).execute()
        const sent = await trx
          .selectFrom('mail_outbox')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .where('user_id', '=', id)
          .where('kind', '=', kind)
          .where('created_at', '>', at - HOUR_MS)
          .executeTakeFirstOrThrow()
        if (userId === undefined || Number(sent.count) >= maxPerHour) return false
        if (voids.length > 0) await trx.deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', 'in', voids).execute()
        await insertLinkMail(trx, { token, mails, event: { userId, type: event, at, client } })
        return true
      })
    },

    async findLinkToken(tokenHash, at) {
      const row = await db.selectFrom('email_tokens').selectAll().where('token_hash', '=', tokenHash).where('expires_at', '>', at).executeTakeFirst()
      return row && toLinkToken(row)
    },

    async confirmEmail({ tokenHash, at, client }) {
      try {
        return await database.writeTransaction(async (trx) => {
          // Deleting is using: of two requests with one token, one gets the row.
          const token = await trx
            .deleteFrom('email_tokens')
            .where('token_hash', '=', tokenHash)
            .where('purpose', 'in', ['verify', 'change'])
            .where('expires_at', '>', at)
            .returningAll()
            .executeTakeFirst()
          if (token === undefined) return { kind: 'invalid' as const }
          const user = await trx.selectFrom('users').select(['email_key', 'email_verified_at']).where('id', '=', token.user_id).executeTakeFirst()
          if (user === undefined) return { kind: 'invalid' as const }
          const emailKey = identifierKey(token.email)
          if (token.purpose === 'verify') {
            // A link to an address the account no longer has proves nothing about the current one.
            if (user.email_key !== emailKey) return { kind: 'invalid' as const }
            if (user.email_verified_at !== null) return { kind: 'verified' as const, userId: token.user_id, changed: false }
            await trx.updateTable('users').set({ email_verified_at: at }).where('id', '=', token.user_id).execute()
            await insertEvent(trx, { userId: token.user_id, type: 'email_verified', at, client })
            return { kind: 'verified' as const, userId: token.user_id, changed: true }
          }
          await database.lockRegistrations(trx)
          const taken = await trx
            .selectFrom('users')
            .select('id')
            .where('id', '!=', token.user_id)
            .where((eb) => eb.or([eb('email_key', '=', emailKey), eb('user_name_key', '=', emailKey)]))
            .executeTakeFirst()
          // Another account took the address meanwhile: the link stays usable (nothing commits).
          if (taken !== undefined) throw new Rollback({ kind: 'duplicate_email' as const })
          await trx.updateTable('users').set({ email: token.email, email_key: emailKey, email_verified_at: at }).where('id', '=', token.user_id).execute()
          // Links sent to the old address (to verify it, to reset the password) or for another
          // change die with it: the old address no longer speaks for the account.
          await trx.deleteFrom('email_tokens').where('user_id', '=', token.user_id).execute()
          await insertEvent(trx, { userId: token.user_id, type: 'email_changed', at, client })
          return { kind: 'changed' as const, userId: token.user_id }
        })
      } catch (error) {
        if (error instanceof Rollback) return error.outcome as { kind: 'duplicate_email' }
        // A registration took the address between the check and the update: the unique index decided.
        if (database.isUniqueViolation(error, 'email_key')) return { kind: 'duplicate_email' as const }
        throw error
      }
    },

    async resetPassword({ tokenHash, newHash, at, client }) {
      return database.writeTransaction(async (trx) => {
        const token = await trx
          .deleteFrom('email_tokens')
          .where('token_hash', '=', tokenHash)
          .where('purpose', '=', 'reset')
          .where('expires_at', '>', at)
          .returning('user_id')
          .executeTakeFirst()
        if (token === undefined) return undefined
        const userId = token.user_id
        // The link came to the account's address, so it proves the address too (contract §9).
        await trx
          .updateTable('users')
          .set((eb) => ({ password_hash: newHash, email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(at)) }))
          .where('id', '=', userId)
          .execute()
        // A changed password voids every reset link of the user (the one used is gone already),
        // and pending changes of address, as a password change does (accounts.ts).
        await trx.deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', 'in', ['reset', 'change']).execute()
        await insertEvent(trx, { userId, type: 'password_reset', at, client })
        // Whoever knew the old password (or held a session with it) is out, in the same commit.
        const endedSessions = await endSelectedSessions(database, trx, { selector: { userId }, reason: 'password_reset', at, client })
        // The owner proved the address: the guesses counted against the account are forgotten,
        // from every address, and so is the hourly flood count (contract §4.5).
        await trx.deleteFrom('login_back_offs').where('subject_key', '=', subjectKey({ userId })).execute()
        await trx.deleteFrom('login_failures').where('user_id', '=', userId).execute()
        return { userId, endedSessions }
      })
    },

    async markEmailVerified(userId, at) {
      const result = await db.updateTable('users').set({ email_verified_at: at }).where('id', '=', userId).where('email_verified_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async claimDueMails({ at, leaseUntil, limit }) {
      const due = await db
        .selectFrom('mail_outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('next_attempt_at', '<=', at)
        .where('claimed_until', '<=', at)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute()
      const claimed: OutboxMail[] = []
      for (const { id } of due) {
        // A conditional write claims the mail: of several senders (instances, workers) reading
        // the same due row, exactly one update matches; the others see claimed_until moved.
        const row = await db
          .updateTable('mail_outbox')
          .set((eb) => ({ claimed_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
          .where('id', '=', id)
          .where('sent_at', 'is', null)
          .where('failed_at', 'is', null)
          .where('claimed_until', '<=', at)
          .returningAll()
          .executeTakeFirst()
        if (row === undefined || row.body_text === null) continue
        claimed.push({
          id: row.id,
          userId: row.user_id,
          kind: row.kind as OutboxMail['kind'],
          recipient: row.recipient,
          subject: row.subject,
          bodyText: row.body_text,
          createdAt: row.created_at,
          attempts: row.attempts,
          leaseUntil,
        })
      }
      return claimed
    },

    async markMailSent({ id, at, leaseUntil }) {
      // Only while this sender's claim holds: the body (and its link) goes, the record stays.
      await db
        .updateTable('mail_outbox')
        .set({ sent_at: at, body_text: null, claimed_until: 0, last_error: null })
        .where('id', '=', id)
        .where('claimed_until', '=', leaseUntil)
        .execute()
    },

    async markMailFailed({ id, error, retryAt, at, leaseUntil }) {
      const giveUp = retryAt === undefined
      await db
        .updateTable('mail_outbox')
        .set({
          last_error: error,
          claimed_until: 0,
          ...(giveUp ? { failed_at: at, body_text: null } : { next_attempt_at: retryAt }),
        })
        .where('id', '=', id)
        .where('claimed_until', '=', leaseUntil)
        .execute()
    },

    async pruneMail({ mailBefore, tokensBefore }) {
      const mail = await db
        .deleteFrom('mail_outbox')
        .where('created_at', '<', mailBefore)
        .where((eb) => eb.or([eb('sent_at', 'is not', null), eb('failed_at', 'is not', null)]))
        .executeTakeFirst()
      const tokens = await db.deleteFrom('email_tokens').where('expires_at', '<=', tokensBefore).executeTakeFirst()
      return Number(mail.numDeletedRows) + Number(tokens.numDeletedRows)
    },
  }
}

/** Stores a link's token, queues its mails and records the event, inside the caller's transaction. */
export async function insertLinkMail(
  trx: Executor,
  { token, mails, event }: { token: LinkToken; mails: readonly NewMail[]; event: { userId: string; type: SecurityEventType; at: number; client: ClientInfo } },
): Promise<void> {
  await trx
    .insertInto('email_tokens')
    .values({
      token_hash: token.tokenHash,
      user_id: token.userId,
      purpose: token.purpose,
      email: token.email,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
    })
    .execute()
  for (const mail of mails) {
    await trx
      .insertInto('mail_outbox')
      .values({
        id: mail.id,
        user_id: mail.userId,
        kind: mail.kind,
        recipient: mail.recipient,
        subject: mail.subject,
        body_text: mail.bodyText,
        created_at: mail.createdAt,
        next_attempt_at: mail.createdAt,
      })
      .execute()
  }
  await insertEvent(trx, event)
}

function toLinkToken(row: { token_hash: string; user_id: string; purpose: string; email: string; created_at: number; expires_at: number }): LinkToken {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    purpose: row.purpose as LinkToken['purpose'],
    email: row.email,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}
