import { freePort } from '../free-port.js'
import { type ServerProcess, spawnServer } from '../server-process.js'

/** The bare node:http server of bare-http-server.ts, as its own process(es). */
export async function startBareHttp(workers: number): Promise<ServerProcess> {
  const port = await freePort()
  const env = { ...process.env, PORT: String(port), WORKERS: String(workers) }
  return spawnServer(['--import', 'tsx', 'bench/baselines/bare-http-server.ts'], env, port)
}
