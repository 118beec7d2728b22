import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A fresh, empty database for one test suite, and how to throw it away. */
export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

export interface Dialect {
  name: 'sqlite' | 'postgres'
  create(): Promise<TestDatabase>
}

const sqlite: Dialect = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-test-'))
    return { url: `sqlite:${join(dir, 'latchkey.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  },
}

/** PostgreSQL: a new database per suite, created from LATCHKEY_TEST_PG_URL and dropped after. */
function postgres(adminUrl: string): Dialect {
  return {
    name: 'postgres',
    async create() {
      const name = `latchkey_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
      await adminQuery(adminUrl, `create database ${name}`)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return {
        url: url.toString(),
        drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
      }
    },
  }
}

/** Runs one statement on the PostgreSQL server at `url` (creating and dropping databases, faults). */
export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

const pgUrl = process.env.LATCHKEY_TEST_PG_URL
// CI sets this, so PostgreSQL tests can never be skipped silently there.
if (process.env.LATCHKEY_TEST_REQUIRE_PG === '1' && (pgUrl === undefined || pgUrl === '')) {
  throw new Error('LATCHKEY_TEST_REQUIRE_PG=1 but LATCHKEY_TEST_PG_URL is not set: the PostgreSQL tests would be skipped')
}

/** Every database the storage tests run on: SQLite always, PostgreSQL when LATCHKEY_TEST_PG_URL is set. */
export const DIALECTS: readonly Dialect[] = pgUrl === undefined || pgUrl === '' ? [sqlite] : [sqlite, postgres(pgUrl)]
