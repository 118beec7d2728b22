import type { Kysely } from 'kysely'

// Frozen in time: written against Kysely<any>, never importing the app's types.
// The PBKDF2 parameters (prf$iterations$length) of imported Identity hashes still stored, so every
// login can cost what a login of an imported account costs (no timing oracle).
const PROFILE = /^\$identity\$(sha1|sha256|sha512)\$(\d+)\$(\d+)\$/

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('legacy_hash_profiles').addColumn('profile', 'text', (c) => c.primaryKey()).execute()
  const rows = (await db.selectFrom('users').select('password_hash').where('password_hash', 'like', '$identity$%').execute()) as { password_hash: string }[]
  const profiles = new Set<string>()
  for (const { password_hash: hash } of rows) {
    const match = PROFILE.exec(hash)
    if (match !== null) profiles.add(`${match[1]}$${match[2]}$${match[3]}`)
  }
  for (const profile of profiles) await db.insertInto('legacy_hash_profiles').values({ profile }).execute()
}

