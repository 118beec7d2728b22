import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { freePort } from '../free-port.js'
import type { Harness } from '../harness.js'
import { mapConcurrently } from '../http-client.js'
import { BETTER_AUTH_VERSION, installBetterAuth } from '../peers/install-better-auth.js'
import type { Row } from '../row.js'
import { type ServerProcess, spawnServer, startLatchkey } from '../server-process.js'
import { cyclingLogins } from './login.js'
import { alternate, type Measured, type Target, throughputRow, wrkSide } from './measure-throughput.js'
import { accessTokens } from './protected.js'

const USERS = 20
const PASSWORD = 'bench passphrase 7f3c9a'

/**
 * `npm run bench -- --peers`: Better Auth (pinned, installed in a temp folder) with its JWT
 * plugin on SQLite, one process on the server's core as Latchkey's WORKERS=1, under the same wrk
 * harness: its JWT-checked route (two ways) and its email/password sign-in, in turns with
 * Latchkey's GET /api/protected (EdDSA, cached tokens) and login. The ratio is Latchkey's multiple.
 */
export async function benchPeers(h: Harness): Promise<Row[]> {
  const script = await installBetterAuth()
  mkdirSync(resolve('.tmp/bench'), { recursive: true })
  const databasePath = resolve('.tmp/bench', `better-auth-${process.pid}.db`)
  const removeDatabase = () => ['', '-wal', '-shm'].forEach((suffix) => rmSync(databasePath + suffix, { force: true }))
  removeDatabase()
  const server = await startBetterAuth(script, databasePath)
  const label = `Better Auth ${BETTER_AUTH_VERSION}`
  try {
    const users = await mapConcurrently(USERS, 4, (i) => signUp(server.url, `peer${i}@bench.example`))
    const tokens = await mapConcurrently(users.length, 4, (i) => jwtFor(server.url, users[i] as string))
    const { database, loginUsers } = await h.mainFixture()
    const latchkeyTokens = await accessTokens(h, 'EdDSA')
    const latchkey = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 })
    try {
      const route = (target: Target, path: string, bearer: readonly string[]) => wrkSide(h.budget, target, h.budget.connections, () => ({ kind: 'bearer', path, tokens: bearer }))
      const [latchkeyRoute, plugin, jose] = (await alternate(h.budget, [
        route(latchkey, '/api/protected', latchkeyTokens),
        route(server, '/api/protected', tokens),
        route(server, '/api/protected-jose', tokens),
      ])) as [Measured, Measured, Measured]
      // A sign-in takes a good part of a second when four share the core: even --quick measures seconds of them.
      const loginBudget = { ...h.budget, warmupSeconds: Math.max(h.budget.warmupSeconds, 1), roundSeconds: Math.max(h.budget.roundSeconds, 5) }
      const signInBodies = users.map((email) => JSON.stringify({ email, password: PASSWORD }))
      const [latchkeyLogin, signIn] = (await alternate(loginBudget, [
        wrkSide(loginBudget, latchkey, h.budget.loginConcurrency, () => cyclingLogins(loginUsers)),
        wrkSide(loginBudget, server, h.budget.loginConcurrency, () => ({ kind: 'json', path: '/api/auth/sign-in/email', bodies: signInBodies })),
      ])) as [Measured, Measured]
      const row = (scenario: string, ours: Measured, peer: Measured, note: string) =>
        throughputRow({ scenario, workers: 1, db: 'sqlite', latchkey: ours, baseline: peer, note: `ratio = Latchkey's multiple of the peer; ${note}` }, { reference: true })
      return [
        row(`peer: ${label} JWT route (auth.api.verifyJWT) vs Latchkey /api/protected`, latchkeyRoute, plugin, `${tokens.length} JWTs from /api/auth/token`),
        row(`peer: ${label} JWT checked by jose, JWKS in memory`, latchkeyRoute, jose, 'jose.jwtVerify(token, createLocalJWKSet(jwks)), no cache of verified tokens'),
        row(`peer: ${label} sign-in/email vs Latchkey login`, latchkeyLogin, signIn, `concurrency ${h.budget.loginConcurrency}; scrypt (Better Auth) vs argon2id (Latchkey)`),
      ]
    } finally {
      await latchkey.stop()
    }
  } finally {
    await server.stop()
    removeDatabase()
  }
}

async function startBetterAuth(script: string, databasePath: string): Promise<ServerProcess> {
  const port = await freePort()
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_PATH: databasePath,
    LATCHKEY_REPO: resolve('.'),
    BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
    BETTER_AUTH_TELEMETRY: '0',
  }
  return spawnServer([script], env, port)
}

async function signUp(url: string, email: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email, password: PASSWORD, name: 'Bench User' }),
  })
  if (response.status !== 200) throw new Error(`Better Auth sign-up answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
  await response.arrayBuffer()
  return email
}

/** Signs in (a session) and asks the JWT plugin for that session's token. */
async function jwtFor(url: string, email: string): Promise<string> {
  // fetch sends Sec-Fetch-Mode, so Better Auth asks for an Origin, as a browser on its own site sends.
  const headers = { 'content-type': 'application/json', origin: url }
  const signIn = await fetch(`${url}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email, password: PASSWORD }) })
  await signIn.arrayBuffer()
  const cookie = /better-auth\.session_token=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0]
  if (signIn.status !== 200 || cookie === undefined) throw new Error(`Better Auth sign-in answered ${signIn.status} without a session cookie`)
  const response = await fetch(`${url}/api/auth/token`, { headers: { cookie, origin: url } })
  const body = (await response.json()) as { token?: string }
  if (response.status !== 200 || typeof body.token !== 'string') throw new Error(`Better Auth /api/auth/token answered ${response.status}`)
  return body.token
}
