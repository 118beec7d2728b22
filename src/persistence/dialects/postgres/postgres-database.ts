import pg from 'pg'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { Database, Executor } from '../../database.js'
import type { Tables } from '../../schema.js'
import { createPostgresRefreshTokenStore } from './postgres-refresh-tokens.js'

const INT8_OID = 20
/** An arbitrary constant naming the registration lock. */
const REGISTRATION_LOCK = 0x6c61_7463

export interface PostgresConnection {
  /** Runs one statement that each pooled connection parses and plans once, under `name`. */
  query<Row>(name: string, text: string, values: readonly unknown[]): Promise<Row[]>
}

export function openPostgres(url: string): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Timestamps are epoch milliseconds in bigint columns: read them back as numbers
    // (they stay far below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) })

  const prepared: PostgresConnection = {
    query: async <Row>(name: string, text: string, values: readonly unknown[]) =>
      (await pool.query<Row & pg.QueryResultRow>({ name, text, values: [...values] })).rows,
  }

  return {
    db,
    writeTransaction: <T>(work: (trx: Executor) => Promise<T>) => db.transaction().execute(work),
    // Transactions that add users take turns on one advisory lock, held until they commit; the
    // password hashing happens before, outside it.
    lockRegistrations: async (trx) => void (await sql`select pg_advisory_xact_lock(${REGISTRATION_LOCK})`.execute(trx)),
    refreshTokens: createPostgresRefreshTokenStore(prepared),
    isUniqueViolation: (error, column) =>
      error instanceof Error &&
      (error as { code?: string }).code === '23505' &&
      (column === undefined || ((error as { constraint?: string }).constraint ?? '').includes(column)),
    close: () => db.destroy(),
  }
}
