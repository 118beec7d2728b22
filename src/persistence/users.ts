import { type Selectable, sql } from '#kysely'
import { WRAPPED_PREFIX } from '../crypto/password-hasher.js'
import { identifierKey, type User } from '../domain/user.js'
import type { Database, Executor } from './database.js'
import { insertLinkMail } from './email.js'
import { insertEvent } from './events.js'
import type { UsersTable } from './schema.js'
import type { UserStore } from './store.js'

export function createUserStore(database: Database): UserStore {
  const { db } = database
  const findBy = (column: 'id' | 'user_name_key' | 'email_key', value: string) =>
    db.selectFrom('users').selectAll().where(column, '=', value).executeTakeFirst()

  return {
    async findUserByIdentifier(identifier) {
      const key = identifierKey(identifier)
      // One read whether the identifier is a user name, an email or nothing at all (the same
      // time for each); a user name wins over another user's email (registration forbids both).
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('user_name_key', '=', key), eb('email_key', '=', key.trim())]))
        .limit(2)
        .execute()
      const row = rows.find((candidate) => candidate.user_name_key === key) ?? rows[0]
      return row && toUser(row)
    },
    async findUserById(id) {
      const row = await findBy('id', id)
      return row && toUser(row)
    },
    async findUserByEmail(email) {
      const row = await findBy('email_key', identifierKey(email))
      return row && toUser(row)
    },
    async listRoles(userId) {
      const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute()
      return rows.map((row) => row.role)
    },
    async createUser(user, roles, client, verification) {
      try {
        return await database.writeTransaction(async (trx) => {
          await database.lockRegistrations(trx)
          const clash = await findClash(trx, identifierKey(user.userName), identifierKey(user.email))
          if (clash !== undefined) return clash
          await trx.insertInto('users').values(toRow(user)).execute()
          for (const role of roles) await trx.insertInto('user_roles').values({ user_id: user.id, role }).execute()
          await insertEvent(trx, { userId: user.id, type: 'registered', at: user.createdAt, client })
          // EMAIL_VERIFICATION=required: the link is queued with the account, or neither exists.
          if (verification !== undefined) {
            await insertLinkMail(trx, { ...verification, event: { userId: user.id, type: 'verification_sent', at: user.createdAt, client } })
          }
          return 'created' as const
        })
      } catch (error) {
        // Two registrations raced past the check: the unique index decided.
        if (database.isUniqueViolation(error, 'user_name_key')) return 'duplicate_user_name'
        if (database.isUniqueViolation(error, 'email_key')) return 'duplicate_email'
        throw error
      }
    },
    async listLegacyHashProfiles() {
      return (await db.selectFrom('legacy_hash_profiles').select('profile').execute()).map((row) => row.profile)
    },
    async pruneLegacyHashProfiles() {
      const result = await db
        .deleteFrom('legacy_hash_profiles')
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('users').select('id').where('password_hash', 'like', sql<string>`${WRAPPED_PREFIX} || legacy_hash_profiles.profile || '$%'`))),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    async upgradePasswordHash({ userId, expectedHash, newHash }) {
      const result = await db.updateTable('users').set({ password_hash: newHash }).where('id', '=', userId).where('password_hash', '=', expectedHash).executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async setUserDisabled(userId, disabledAt) {
      await db.updateTable('users').set({ disabled_at: disabledAt }).where('id', '=', userId).execute()
    },
    async grantRole(userId, role) {
      const result = await db
        .insertInto('user_roles')
        .values({ user_id: userId, role })
        .onConflict((conflict) => conflict.columns(['user_id', 'role']).doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
    },
    async revokeRole(userId, role) {
      const result = await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '=', role).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}

/**
 * A user name may not equal another user's email, nor an email another user's name, so that
 * a login identifier always names one account.
 */
async function findClash(trx: Executor, userNameKey: string, emailKey: string) {
  const nameTaken = await trx
    .selectFrom('users')
    .select('id')
    .where((eb) => eb.or([eb('user_name_key', '=', userNameKey), eb('email_key', '=', userNameKey)]))
    .executeTakeFirst()
  if (nameTaken !== undefined) return 'duplicate_user_name' as const
  const emailTaken = await trx
    .selectFrom('users')
    .select('id')
    .where((eb) => eb.or([eb('email_key', '=', emailKey), eb('user_name_key', '=', emailKey)]))
    .executeTakeFirst()
  return emailTaken === undefined ? undefined : ('duplicate_email' as const)
}

export function toRow(user: User): Selectable<UsersTable> {
  return {
    id: user.id,
    user_name: user.userName,
    user_name_key: identifierKey(user.userName),
    email: user.email,
    email_key: identifierKey(user.email),
    first_name: user.firstName,
    last_name: user.lastName,
    password_hash: user.passwordHash,
    disabled_at: user.disabledAt,
    created_at: user.createdAt,
    email_verified_at: user.emailVerifiedAt,
    mfa_secret: null,
    mfa_pending_secret: null,
    mfa_enabled_at: null,
    mfa_last_step: null,
  }
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    userName: row.user_name,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    passwordHash: row.password_hash,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    emailVerifiedAt: row.email_verified_at,
    mfaEnabledAt: row.mfa_enabled_at,
  }
}
