import type { Budget } from './budget.js'
import { type BenchDatabase, createDatabase } from './databases.js'
import { type BenchUser, registerUsers } from './fixtures/register-users.js'
import { logInSessions } from './fixtures/log-in-sessions.js'
import type { TokenPair } from './http-client.js'
import { startLatchkey } from './server-process.js'

/** The SQLite database most scenarios share, with its users and live sessions. */
export interface MainFixture {
  database: BenchDatabase & { path: string }
  /** Users owning the sessions of the protected scenarios. */
  sessionUsers: BenchUser[]
  /** Users the login, storm and refresh scenarios log in as (their sessions may be evicted). */
  loginUsers: BenchUser[]
  /** One EdDSA pair per live session, from real logins. */
  pairs: TokenPair[]
}

/** Setup shared between scenarios, made once and only when a selected scenario asks for it. */
export class Harness {
  private main: Promise<MainFixture> | undefined
  private readonly memo = new Map<string, Promise<unknown>>()
  private readonly databases: BenchDatabase[] = []

  constructor(readonly budget: Budget) {}

  mainFixture(): Promise<MainFixture> {
    this.main ??= this.createMain()
    return this.main
  }

  /** `make()` once per key, for baselines that several rows share. */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) this.memo.set(key, make())
    return this.memo.get(key) as Promise<T>
  }

  /** A fresh database, dropped by `close()`. */
  async database(kind: 'sqlite' | 'postgres', name: string): Promise<BenchDatabase> {
    const database = await createDatabase(kind, name)
    this.databases.push(database)
    return database
  }

  async close(): Promise<void> {
    for (const database of this.databases.splice(0)) await database.drop().catch(() => undefined)
  }

  private async createMain(): Promise<MainFixture> {
    const database = (await this.database('sqlite', 'main')) as MainFixture['database']
    const sessionUserCount = Math.max(1, Math.ceil(this.budget.sessions / 50))
    // Two workers: argon2 (each login is one) then runs on both cores.
    const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 2 }, { setup: true })
    try {
      const sessionUsers = await registerUsers(server.url, 'session', sessionUserCount)
      const loginUsers = await registerUsers(server.url, 'login', 40)
      const pairs = await logInSessions(server.url, sessionUsers, this.budget.sessions)
      return { database, sessionUsers, loginUsers, pairs }
    } finally {
      await server.stop()
    }
  }
}
