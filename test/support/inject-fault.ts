import { sql } from '#kysely'
import { type Database, openDatabase } from '../../src/persistence/database.js'
import type { Dialect } from './dialects.js'

/**
 * A fault injected in the database itself (a trigger that raises), for tests of what the server
 * does when a statement fails: nothing of our own code is replaced. `when` is an SQL condition on
 * `new`; the returned function removes the fault.
 */
export async function injectFault(
  dialect: Dialect,
  url: string,
  fault: { table: string; event: 'insert' | 'update of ended_at'; when?: string; message: string },
): Promise<() => Promise<void>> {
  const database: Database = await openDatabase(url)
  const name = `inject_fault_${fault.table}`
  const when = fault.when ?? 'true'
  try {
    if (dialect.name === 'sqlite') {
      await sql.raw(`create trigger ${name} before ${fault.event} on ${fault.table} when ${when} begin select raise(abort, '${fault.message}'); end`).execute(database.db)
    } else {
      await sql.raw(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception '${fault.message}'; end $$`).execute(database.db)
      await sql.raw(`create trigger ${name} before ${fault.event} on ${fault.table} for each row when (${when}) execute function ${name}()`).execute(database.db)
    }
  } catch (error) {
    await database.close()
    throw error
  }
  return async () => {
    try {
      if (dialect.name === 'sqlite') await sql.raw(`drop trigger ${name}`).execute(database.db)
      else {
        await sql.raw(`drop trigger ${name} on ${fault.table}`).execute(database.db)
        await sql.raw(`drop function ${name}()`).execute(database.db)
      }
    } finally {
      await database.close()
    }
  }
}
