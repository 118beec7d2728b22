import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import type { Database, Executor } from '../database.js'
import type { Tables } from '../schema.js'

const INT8_OID = 20

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

  return {
    kind: 'postgres',
    db,
    writeTransaction: <T>(work: (trx: Executor) => Promise<T>) => db.transaction().execute(work),
    postgres: {
      query: async <Row>(name: string, text: string, values: readonly unknown[]) =>
        (await pool.query<Row & pg.QueryResultRow>({ name, text, values: [...values] })).rows,
    },
    isUniqueViolation: (error, column) =>
      error instanceof Error &&
      (error as { code?: string }).code === '23505' &&
      (column === undefined || ((error as { constraint?: string }).constraint ?? '').includes(column)),
    close: () => db.destroy(),
  }
}
