import pg from 'pg'
import { Kysely, PostgresDialect, sql } from '#kysely'
import type { Database, Executor } from '../../database.js'
import type { Tables } from '../../schema.js'
import { createPostgresRefreshTokenStore } from './postgres-refresh-tokens.js'
import { SESSION_ENDS_CHANNEL, watchPostgresSessionEnds } from './postgres-session-end-watch.js'

const INT8_OID = 20
/** An arbitrary constant naming the registration lock. */
const REGISTRATION_LOCK = 0x6c61_7463
/** Another, naming the turn of transactions that end sessions. */
const SESSION_ENDS_LOCK = 0x6c61_7465

export interface PostgresConnection {
  /** Runs one statement that each pooled connection parses and plans once, under `name`. */
  query<Row>(name: string, text: string, values: readonly unknown[]): Promise<Row[]>
}

export function openPostgres(url: string): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A database that does not answer fails the request in seconds instead of holding it.
    connectionTimeoutMillis: 5_000,
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
    // A sequence value is taken at insert, but transactions commit in any order: without turns, a
    // reader could see position 8 committed, move its cursor past 7, and 7 commit a moment later.
    // Holding this lock from before the insert until commit (xact locks are released only once
    // the commit is visible) makes every position commit before the next one is handed out.
    takeTurnsEndingSessions: async (trx) => void (await sql`select pg_advisory_xact_lock(${SESSION_ENDS_LOCK})`.execute(trx)),
    // NOTIFY inside the transaction is delivered at its commit, never for a rolled-back ending.
    signalSessionEnd: async (trx, position) => void (await sql`select pg_notify(${SESSION_ENDS_CHANNEL}, ${String(position)})`.execute(trx)),
    watchSessionEnds: (watcher) => watchPostgresSessionEnds(url, watcher),
    refreshTokens: createPostgresRefreshTokenStore(prepared),
    isUnavailable: (error) => isConnectionFailure(error),
    isUniqueViolation: (error, column) =>
      error instanceof Error &&
      (error as { code?: string }).code === '23505' &&
      (column === undefined || ((error as { constraint?: string }).constraint ?? '').includes(column)),
    close: () => db.destroy(),
  }
}

/** SQLSTATE classes and codes, and socket errors, that mean the server cannot be reached or used. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '3D000', '55000', '53300'])
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_FAILURES.has(code))) return true
  // pg's own words for a connection that dropped or never came.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(error.message)
}
