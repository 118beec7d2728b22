import type { Database, OpenOptions } from '../database.js'

/**
 * The dialect a `DATABASE_URL` names (the configuration has already checked its form). Each
 * dialect and its driver load only when named: startup does not pay for the other one.
 */
export async function openDialect(url: string, options: OpenOptions): Promise<Database> {
  if (url.startsWith('sqlite:')) return (await import('./sqlite/sqlite-database.js')).openSqlite(url.slice('sqlite:'.length), options)
  return (await import('./postgres/postgres-database.js')).openPostgres(url)
}
