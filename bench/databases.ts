import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { runLatchkeyCli } from './run-latchkey-cli.js'
import type { Algorithm } from './server-env.js'

export const POSTGRES_ADMIN_URL = process.env.LATCHKEY_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const WORK_DIR = resolve('.tmp/bench')

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres'
  url: string
  /** The SQLite file (sqlite only). */
  path?: string
  drop(): Promise<void>
}

/**
 * A fresh database with Latchkey's schema and, for EdDSA, a signing key: production creates
 * none, so `latchkey keys rotate` makes the first (it migrates first, as the server does).
 */
export async function createDatabase(kind: 'sqlite' | 'postgres', name: string, algorithm: Algorithm = 'EdDSA'): Promise<BenchDatabase> {
  const database = kind === 'sqlite' ? createSqliteFile(name) : await createPostgresDatabase(name)
  const settings = { databaseUrl: database.url, algorithm, workers: 1 }
  await runLatchkeyCli(algorithm === 'HS256' ? ['migrate'] : ['keys', 'rotate'], settings)
  return database
}

function createSqliteFile(name: string): BenchDatabase {
  mkdirSync(WORK_DIR, { recursive: true })
  const path = join(WORK_DIR, `${name}-${process.pid}.db`)
  const removeFiles = () => ['', '-wal', '-shm'].forEach((suffix) => rmSync(path + suffix, { force: true }))
  removeFiles()
  return { kind: 'sqlite', url: `sqlite:${path}`, path, drop: async () => removeFiles() }
}

async function createPostgresDatabase(name: string): Promise<BenchDatabase> {
  const database = `latchkey_bench_${name.replace(/\W/g, '_')}_${process.pid}`
  await adminQuery(`drop database if exists ${database}`)
  await adminQuery(`create database ${database}`)
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${database}`
  return { kind: 'postgres', url: url.toString(), drop: () => adminQuery(`drop database if exists ${database} with (force)`) }
}

/** True when the PostgreSQL server of the bench answers within a few seconds. */
export async function postgresAnswers(): Promise<boolean> {
  try {
    await adminQuery('select 1')
    return true
  } catch {
    return false
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}
