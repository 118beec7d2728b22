import type { Database, OpenOptions } from '../database.js'
import { openPostgres } from './postgres/postgres-database.js'
import { openSqlite } from './sqlite/sqlite-database.js'

/** The dialect a `DATABASE_URL` names (the configuration has already checked its form). */
export async function openDialect(url: string, options: OpenOptions): Promise<Database> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options)
  return openPostgres(url)
}
