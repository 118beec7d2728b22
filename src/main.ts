import cluster from 'node:cluster'
import { clusterWorkerPool } from './cluster/cluster-channels.js'
import { relaySessionEnds } from './cluster/relay-session-ends.js'
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { prepareBoot, startServer } from './server.js'

/** Set by this primary in its workers' environment: a relay for ended sessions is listening. */
const RELAY_MARK = 'LATCHKEY_CLUSTER_RELAY'
/** Workers restarted within this window: past the limit the instance stops instead. */
const RESTART_WINDOW_MS = 60_000
const MAX_RESTARTS_PER_WINDOW = 10

/** loadConfig → migrate → listen (one process, or WORKERS processes sharing the port). */
async function main(): Promise<void> {
  const config = loadConfigOrExit()
  const logger = createLogger(config.logLevel)

  if (cluster.isPrimary && config.workers > 1) {
    await prepareBoot(config, logger).catch(exitBadBoot)
    // Ended sessions reach every worker through here before the response that ended them.
    relaySessionEnds(clusterWorkerPool(cluster), logger)
    for (let i = 0; i < config.workers; i++) cluster.fork({ [RELAY_MARK]: '1' })
    let stopping = false
    const restarts: number[] = []
    cluster.on('exit', (worker, code, signal) => {
      if (!stopping) {
        // A worker that crashed, or that the relay stopped for serving a stale list of ended
        // sessions, is replaced — unless workers keep dying, which a restart would not cure.
        const now = Date.now()
        restarts.push(now)
        while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift()
        if (restarts.length <= MAX_RESTARTS_PER_WINDOW) {
          logger.error({ workerPid: worker.process.pid, code, signal }, 'worker exited; starting another')
          cluster.fork({ [RELAY_MARK]: '1' })
          return
        }
        logger.error({ workerPid: worker.process.pid, code, signal }, 'workers keep exiting; stopping')
        stopping = true
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM')
        process.exitCode = 1
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0)
    })
    const stop = () => {
      stopping = true
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    return
  }

  let server
  try {
    // A worker joins the broadcast only under this file's primary (not another cluster manager's).
    const clusterWorker = cluster.isWorker && process.env[RELAY_MARK] === '1'
    server = await startServer(config, logger, { migrate: cluster.isPrimary, clusterWorker })
  } catch (error) {
    exitBadBoot(error)
  }
  let stopping = false
  const shutdown = async () => {
    // A worker may get both the terminal's SIGINT and the primary's SIGTERM: stop once.
    if (stopping) return
    stopping = true
    logger.info('shutting down')
    await server.stop()
    process.exit(0)
  }
  process.once('SIGTERM', () => void shutdown())
  process.once('SIGINT', () => void shutdown())
}

function loadConfigOrExit() {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`latchkey: bad configuration: ${error.problems.join('; ')}\n`)
    process.exit(1)
  }
}

/** Key, database and Redis problems found at boot: one line naming the cause, non-zero exit. */
function exitBadBoot(error: unknown): never {
  const reason = error instanceof Error ? error.message : String(error)
  process.stderr.write(`latchkey: cannot start: ${reason}\n`)
  process.exit(1)
}

await main()
