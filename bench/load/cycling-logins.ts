import type autocannon from 'autocannon'
import type { BenchUser } from '../fixtures/register-users.js'

/** POST /api/auth/login cycling over users (each login is a new session and one argon2id verify). */
export function cyclingLogins(users: readonly BenchUser[]): autocannon.Request[] {
  const bodies = users.map((user) => JSON.stringify({ userName: user.userName, password: user.password }))
  let next = 0
  return [
    {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] as string }),
    },
  ]
}
