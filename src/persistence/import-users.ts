import { legacyProfileOf } from '../crypto/legacy-work.js'
import { identifierKey, type User } from '../domain/user.js'
import type { Database, Executor } from './database.js'
import { toRow } from './users.js'

/** One user of an import, with the roles it gets; `position` names its row in the file. */
export interface ImportedUser {
  position: number
  user: User
  roles: readonly string[]
}

/** What identifies a row: enough to look for clashes before any password work is done. */
export interface ImportIdentity {
  position: number
  userName: string
  email: string
}

/** A row whose user name or email is already taken by a user in the database. */
export interface ImportClash {
  position: number
  reason: 'duplicate_user_name' | 'duplicate_email'
}

/** Keeps each IN list well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500

/**
 * Inserts the users and their roles in one transaction. Rows whose user name or email clashes
 * with an existing user (a user name may not equal another user's email, nor the reverse) are
 * left out when `skipClashes`; otherwise any clash inserts nothing. Returns the clashes found.
 */
export async function importUsers(
  database: Database,
  users: readonly ImportedUser[],
  options: { skipClashes: boolean },
): Promise<{ inserted: number; clashes: ImportClash[] }> {
  try {
    return await database.writeTransaction(async (trx) => {
      await database.lockRegistrations(trx)
      const clashes = await findClashes(trx, users.map(({ position, user }) => ({ position, userName: user.userName, email: user.email })))
      if (clashes.length > 0 && !options.skipClashes) return { inserted: 0, clashes }
      const clashing = new Set(clashes.map((clash) => clash.position))
      const accepted = users.filter((entry) => !clashing.has(entry.position))
      for (let i = 0; i < accepted.length; i += CHUNK) await insertChunk(trx, accepted.slice(i, i + CHUNK))
      return { inserted: accepted.length, clashes }
    })
  } catch (error) {
    if (database.isUniqueViolation(error)) {
      throw new Error('a user with one of these names or emails was created during the import; nothing was imported', { cause: error })
    }
    throw error
  }
}

/** The rows that would clash with existing users now (a read, for reporting before hashing). */
export function findImportClashes(database: Database, identities: readonly ImportIdentity[]): Promise<ImportClash[]> {
  return findClashes(database.db, identities)
}

/** The rows that clash with existing users; the rows are already free of clashes among themselves. */
async function findClashes(executor: Executor, identities: readonly ImportIdentity[]): Promise<ImportClash[]> {
  const keys = [...new Set(identities.flatMap((row) => [identifierKey(row.userName), identifierKey(row.email)]))]
  const taken = new Set<string>()
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK)
    const rows = await executor
      .selectFrom('users')
      .select(['user_name_key', 'email_key'])
      .where((eb) => eb.or([eb('user_name_key', 'in', chunk), eb('email_key', 'in', chunk)]))
      .execute()
    for (const row of rows) taken.add(row.user_name_key).add(row.email_key)
  }
  const clashes: ImportClash[] = []
  for (const { position, userName, email } of identities) {
    if (taken.has(identifierKey(userName))) clashes.push({ position, reason: 'duplicate_user_name' })
    else if (taken.has(identifierKey(email))) clashes.push({ position, reason: 'duplicate_email' })
  }
  return clashes
}

async function insertChunk(trx: Executor, users: readonly ImportedUser[]): Promise<void> {
  await trx
    .insertInto('users')
    .values(
      users.map(({ user }) => toRow(user)),
    )
    .execute()
  // Every login pays the PBKDF2 of each imported profile (crypto/legacy-work.ts): record them.
  const profiles = [...new Set(users.map(({ user }) => legacyProfileOf(user.passwordHash)).filter((profile) => profile !== undefined))]
  for (const profile of profiles) {
    await trx.insertInto('legacy_hash_profiles').values({ profile }).onConflict((conflict) => conflict.column('profile').doNothing()).execute()
  }
  const roles = users.flatMap(({ user, roles }) => roles.map((role) => ({ user_id: user.id, role })))
  for (let i = 0; i < roles.length; i += CHUNK) await trx.insertInto('user_roles').values(roles.slice(i, i + CHUNK)).execute()
}
