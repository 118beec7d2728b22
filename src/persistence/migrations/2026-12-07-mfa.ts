import type { Kysely } from 'kysely'

// Frozen in time: written against Kysely<any>, never importing the app's types.
// Contract §10: a second factor (TOTP with recovery codes), and the methods a session was started with.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // The factor lives on the user row, so the login's guard (the row lock of createSession) sees
  // it turned on in the same read that checks the password hash.
  await db.schema.alterTable('users').addColumn('mfa_secret', 'text').execute()
  await db.schema.alterTable('users').addColumn('mfa_pending_secret', 'text').execute()
  await db.schema.alterTable('users').addColumn('mfa_enabled_at', 'bigint').execute()
  /** The last TOTP step accepted: codes of it and earlier are refused (no replay, on any instance). */
  await db.schema.alterTable('users').addColumn('mfa_last_step', 'bigint').execute()

  /** RFC 8176 methods, space-separated: `pwd`, or `pwd otp`; every access token of the session carries them. */
  await db.schema.alterTable('sessions').addColumn('amr', 'text', (c) => c.notNull().defaultTo('pwd')).execute()

  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mfa_recovery_codes_pk', ['user_id', 'code_hash'])
    .execute()

  // The second step of a login: the mfaToken, by hash, with the password hash the first step
  // verified (a password changed meanwhile voids it) and the codes tried so far.
  await db.schema
    .createTable('mfa_challenges')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('mfa_challenges_expires_idx').on('mfa_challenges').column('expires_at').execute()
  await db.schema.createIndex('mfa_challenges_user_idx').on('mfa_challenges').column('user_id').execute()
}
