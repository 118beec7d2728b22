import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'

const CHAINS = 6
const REGISTRARS = 3
const LOAD_MS = 1_500

interface Pair {
  accessToken: { token: string }
  refreshToken: string
}

for (const dialect of DIALECTS) {
  describe(`kill -9 under load loses no acknowledged write (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    const env = (port?: number) => ({ DATABASE_URL: database.url, RATE_LIMIT_PER_MINUTE: '0', ...(port === undefined ? {} : { PORT: String(port) }) })

    before(async () => {
      database = await dialect.create()
      server = await startServerProcess(env())
    })
    after(async () => {
      await server.kill('SIGKILL')
      await database.drop()
    })

    const post = async (path: string, body: unknown) => {
      const response = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined }
    }

    it('keeps every refresh pair and every user the client was told about', async () => {
      const owner = { firstName: 'K', lastName: 'Nine', email: 'owner@crash.example', userName: 'crash.owner', password: 'crash test passphrase' }
      assert.equal((await post('/api/accounts', owner)).status, 201)
      // Each chain: the last pair acknowledged with a 200, refreshed again and again until the kill.
      const acknowledged: Pair[] = []
      for (let i = 0; i < CHAINS; i++) {
        const login = await post('/api/auth/login', { userName: owner.userName, password: owner.password })
        assert.equal(login.status, 200)
        acknowledged.push(login.body as unknown as Pair)
      }
      const registered: { userName: string; password: string }[] = []
      let stop = false
      const chain = async (i: number) => {
        while (!stop) {
          const response = await post('/api/auth/refreshtoken', { refreshToken: acknowledged[i]!.refreshToken }).catch(() => undefined)
          if (response === undefined) return // the server is gone
          assert.equal(response.status, 200)
          acknowledged[i] = response.body as unknown as Pair
        }
      }
      let n = 0
      const registrar = async (r: number) => {
        while (!stop) {
          const user = { firstName: 'R', lastName: String(r), email: `r${r}.${n}@crash.example`, userName: `crash.r${r}.${n++}`, password: 'a registered passphrase' }
          const response = await post('/api/accounts', user).catch(() => undefined)
          if (response === undefined) return
          if (response.status === 201) registered.push(user)
        }
      }
      const load = [...Array.from({ length: CHAINS }, (_, i) => chain(i)), ...Array.from({ length: REGISTRARS }, (_, r) => registrar(r))]
      await new Promise((resolve) => setTimeout(resolve, LOAD_MS))
      // A loaded machine may not have answered a registration (an argon2 hash each) yet: the kill
      // waits for one, so the check below always has something to check.
      const deadline = Date.now() + 30_000
      while (registered.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      await server.kill('SIGKILL')
      stop = true
      await Promise.all(load)
      assert.ok(registered.length > 0, 'some registrations were acknowledged before the kill')

      server = await startServerProcess(env(server.port))
      for (const pair of acknowledged) {
        // The pair of the last 200, or — when the kill fell between a commit and its answer — its
        // successor through the grace: either way, a 200.
        const response = await post('/api/auth/refreshtoken', { refreshToken: pair.refreshToken })
        assert.equal(response.status, 200, JSON.stringify(response.body))
      }
      for (const user of registered) {
        assert.equal((await post('/api/auth/login', { userName: user.userName, password: user.password })).status, 200, user.userName)
      }
    })
  })
}
