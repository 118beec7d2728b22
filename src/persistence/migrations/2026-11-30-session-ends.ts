import { type Kysely, SqliteAdapter } from '#kysely'

// Frozen in time: written against Kysely<any>, never importing the app's types.
//
// session_ends: one row per ended session, numbered by a position the database hands out and
// never hands out again. Every process follows the positions (`where position > cursor`) to learn
// which sessions ended, so the numbering must only ever grow:
// - SQLite: INTEGER PRIMARY KEY AUTOINCREMENT. Without AUTOINCREMENT a new row takes
//   max(rowid) + 1, and once prune has emptied the table positions would start again at 1,
//   below every process's cursor.
// - PostgreSQL: an identity column (a sequence with the default cache of 1, so each value is
//   taken from the one shared sequence in the order transactions ask for it).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter
  await db.schema
    .createTable('session_ends')
    .addColumn('position', sqlite ? 'integer' : 'bigint', (column) =>
      sqlite ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity(),
    )
    .addColumn('session_id', 'text', (column) => column.notNull())
    .addColumn('ended_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema.createIndex('session_ends_ended_at_idx').on('session_ends').column('ended_at').execute()

  // Sessions that ended before this migration: a server started on the new schema must refuse
  // their access tokens too.
  await db
    .insertInto('session_ends')
    .columns(['session_id', 'ended_at'])
    .expression((eb) => eb.selectFrom('sessions').select(['id', 'ended_at']).where('ended_at', 'is not', null).orderBy('ended_at'))
    .execute()
}
