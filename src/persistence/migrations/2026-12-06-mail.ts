import { type Kysely, sql } from '#kysely'

// Frozen in time: written against Kysely<any>, never importing the app's types.
// Contract §9: verified addresses, the single-use tokens of mailed links, and the mail outbox.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // When the current address was verified; null: not verified. Accounts of earlier versions
  // start unverified (nothing proved their address); an operator can vouch with `users verify-email`.
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute()

  // The links' tokens, by SHA-256 hash only. A token is deleted when it is used or voided, so a
  // row here is a live link until `expires_at`.
  await db.schema
    .createTable('email_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    /** `verify`, `change` (of address) or `reset` (of password). */
    .addColumn('purpose', 'text', (c) => c.notNull())
    /** The address the link proves: the user's own (verify), the new one (change). */
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('email_tokens_user_idx').on('email_tokens').columns(['user_id', 'purpose']).execute()
  await db.schema.createIndex('email_tokens_expires_idx').on('email_tokens').column('expires_at').execute()

  // The transactional outbox: a mail is written here in the transaction of the request that
  // causes it, and a background sender on any instance claims, sends and marks it.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    /** `verification`, `reset`, `change` (the link to the new address) or `change_notice` (to the old one). */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    /** The text part, link included; erased (null) once the mail is sent or given up. */
    .addColumn('body_text', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    /** A sender holds the mail until this instant; another may claim it after (a crashed sender's). */
    .addColumn('claimed_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    /** The last delivery error, as the SMTP server or the network put it (never the mail). */
    .addColumn('last_error', 'text')
    .execute()
  await db.schema
    .createIndex('mail_outbox_due_idx')
    .on('mail_outbox')
    .column('next_attempt_at')
    .where(sql.ref('sent_at'), 'is', null)
    .where(sql.ref('failed_at'), 'is', null)
    .execute()
  await db.schema.createIndex('mail_outbox_user_idx').on('mail_outbox').columns(['user_id', 'kind', 'created_at']).execute()
  await db.schema.createIndex('mail_outbox_created_idx').on('mail_outbox').column('created_at').execute()
}
