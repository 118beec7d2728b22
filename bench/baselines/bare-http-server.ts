// The ceiling for GET /api/protected: node:http answering the same JSON, nothing else.
// Run as its own process, like the server: PORT, and WORKERS processes sharing it (node:cluster).
import cluster from 'node:cluster'
import { createServer } from 'node:http'

const port = Number(process.env.PORT)
const workers = Number(process.env.WORKERS ?? '1')
const BODY = JSON.stringify({ result: true })

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork()
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    process.exit(0)
  })
} else {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BODY) })
    response.end(BODY)
  })
  server.listen(port, '127.0.0.1')
  process.once('SIGTERM', () => server.close(() => process.exit(0)))
}
