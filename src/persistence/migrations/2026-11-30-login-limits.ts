import type { Kysely } from 'kysely'

// Frozen in time: written against Kysely<any>, never importing the app's types.
// The counters of contract §4.5, in the shared database so that every instance and worker
// enforces the same limits.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // The per-IP rate limit: one row per client key, written first by every admission so that
  // concurrent admissions of one key take turns (a row lock on PostgreSQL; SQLite's BEGIN
  // IMMEDIATE already serialises them), then the log of admitted requests of the last minute.
  await db.schema
    .createTable('rate_limit_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('rate_limit_hits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rate_limit_hits_key_idx').on('rate_limit_hits').columns(['key', 'at']).execute()

  // The login back-off, per (account key, client IP group).
  await db.schema
    .createTable('login_back_offs')
    .addColumn('subject_key', 'text', (c) => c.notNull())
    .addColumn('ip_key', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
    .addColumn('in_flight', 'integer', (c) => c.notNull())
    .addColumn('in_flight_until', 'bigint', (c) => c.notNull())
    .addColumn('throttle_noticed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('login_back_offs_pk', ['subject_key', 'ip_key'])
    .execute()

  // The flood rule: each account's failures of the last hour, from every address, and the
  // addresses (IP groups) that logged into it in the last 30 days.
  await db.schema
    .createTable('login_failures')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('login_failures_user_idx').on('login_failures').columns(['user_id', 'at']).execute()
  await db.schema
    .createTable('login_known_ips')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('ip_key', 'text', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('login_known_ips_pk', ['user_id', 'ip_key'])
    .execute()
}
