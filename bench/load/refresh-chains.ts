import type autocannon from 'autocannon'

/**
 * Refresh requests that each present a fresh, unused refresh token. A shared pool holds the
 * chain heads: a request takes one, its 200 puts the successor back. With pipelining 1 every
 * connection gets its next token from its own previous answer, so the pool never runs dry
 * while answers are 200s; a token whose answer is cut off at the end of a run is lost, and
 * the caller tops the pool up before the next run.
 */
export function refreshChains(pool: string[]): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: '/api/auth/refresh',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const token = pool.pop() ?? 'pool-ran-dry'
        return { ...request, body: JSON.stringify({ refreshToken: token }) }
      },
      onResponse: (status, body) => {
        if (status === 200) pool.push((JSON.parse(body) as { refreshToken: string }).refreshToken)
      },
    },
  ]
}
