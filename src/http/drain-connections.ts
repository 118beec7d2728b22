import { Server as NetServer } from 'node:net'
import type { Server } from 'node:http'

/**
 * Graceful stop: take no new connections, but let requests in flight and requests on
 * connections already open finish (each answered with `Connection: close`); idle keep-alive
 * connections get `idleGraceMs` to send a last request; after `deadlineMs` everything is cut.
 */
export async function drainConnections(server: Server, { idleGraceMs, deadlineMs }: { idleGraceMs: number; deadlineMs: number }): Promise<void> {
  server.on('request', (_request, response) => {
    if (!response.headersSent) response.setHeader('connection', 'close')
  })
  const closed = new Promise<void>((resolve) => {
    // net.Server#close stops listening only; http.Server#close would also drop idle
    // keep-alive connections at once, refusing their clients a last request.
    NetServer.prototype.close.call(server, () => resolve())
  })
  const idle = setTimeout(() => server.closeIdleConnections(), idleGraceMs)
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref())
  await Promise.race([closed, deadline])
  clearTimeout(idle)
  server.closeAllConnections()
}
