import { freePort } from '../free-port.js'
import { type ServerProcess, spawnServer } from '../server-process.js'

/** The bare node:http server of bare-http-server.ts, as its own process(es), pinned as the server is. */
export async function startBareHttp(workers: number): Promise<ServerProcess> {
  const port = await freePort()
  return spawnServer(['--import', 'tsx', 'bench/baselines/bare-http-server.ts'], { ...process.env, PORT: String(port), WORKERS: String(workers) }, port)
}

/** The raw rotation behind node:http of rotate-over-http.ts, on a migrated Latchkey database. */
export async function startRotateOverHttp(databaseUrl: string, accessTokenLength: number): Promise<ServerProcess> {
  const port = await freePort()
  const env = { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, ACCESS_TOKEN_LENGTH: String(accessTokenLength) }
  return spawnServer(['--import', 'tsx', 'bench/baselines/rotate-over-http.ts'], env, port)
}

/** Fastify with Latchkey's framework options and no token check, of fastify-floor-server.ts. */
export async function startFastifyFloor(): Promise<ServerProcess> {
  const port = await freePort()
  return spawnServer(['--import', 'tsx', 'bench/baselines/fastify-floor-server.ts'], { ...process.env, PORT: String(port) }, port)
}
