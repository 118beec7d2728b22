import cluster from 'node:cluster'
import type { Server } from 'node:http'
import type { Logger } from 'pino'
import { buildApp } from './app.js'
import { pruneLoginLimits } from './auth/prune-login-limits.js'
import { pruneMail } from './auth/prune-mail.js'
import { pruneSessions } from './auth/prune-sessions.js'
import { primaryChannel } from './cluster/cluster-channels.js'
import { joinSessionEndBroadcast } from './cluster/join-session-end-broadcast.js'
import { drainConnections } from './http/drain-connections.js'
import { systemClock } from './clock.js'
import type { Config } from './config.js'
import { DEFAULT_OUTBOX_DIR, type OpenedContext, openContext } from './open-context.js'
import { pingDatabase } from './persistence/database.js'
import { connectRedis, pingRedis } from './persistence/redis.js'

const SHUTDOWN_GRACE_MS = 10_000
const IDLE_CONNECTION_GRACE_MS = 1_000
const POLL_INTERVAL_MS = 1_000
const PRUNE_INTERVAL_MS = 10 * 60_000
/** Every minute: the profiles of imported hashes change only with an import or a prune. */
const LEGACY_PROFILE_REFRESH_POLLS = 60

export interface RunningServer {
  /** Stops taking connections, lets in-flight requests finish (at most 10 s), closes the database. */
  stop(): Promise<void>
}

/**
 * Everything a server checks at boot, done once by the primary before it forks workers:
 * Redis answers, the schema is current, the signing keys load (the first pair is created).
 */
export async function prepareBoot(config: Config, logger: Logger): Promise<void> {
  if (config.redisUrl !== undefined) (await connectRedis(config.redisUrl)).disconnect()
  const opened = await openContext(config, { clock: systemClock, log: logger })
  await opened.close()
}

export interface ServerOptions {
  /** Bring the schema up to date (the primary has done it before forking workers). */
  migrate: boolean
  /** A worker of a cluster whose primary relays ended sessions between the workers. */
  clusterWorker?: boolean
}

/** One server process: database, keys, background upkeep and the HTTP listener. */
export async function startServer(config: Config, logger: Logger, options: ServerOptions): Promise<RunningServer> {
  const redis = config.redisUrl === undefined ? undefined : await connectRedis(config.redisUrl)
  const opened = await openContext(config, {
    clock: systemClock,
    log: logger,
    migrate: options.migrate,
    backgroundCheckpoints: true,
    sendMail: {},
    ...(options.clusterWorker === true ? { sessionEnds: (revocations) => joinSessionEndBroadcast(primaryChannel(process), revocations, logger) } : {}),
  })
  const { ctx, database } = opened
  let draining = false
  const readiness = {
    get draining() {
      return draining
    },
    check: async () => (await pingDatabase(database)) && (redis === undefined || (await pingRedis(redis))),
  }
  const app = await buildApp({ ctx, readiness, logger, isUnavailable: (error) => database.isUnavailable(error) })
  // Before listening: the first request already refuses sessions that ended before this start.
  const upkeep = await startUpkeep(opened, logger)
  // Tests only: which worker answered, by its cluster number (never a pid), to prove both did.
  if (cluster.isWorker && process.env.LATCHKEY_TEST_EXPOSE_WORKER === '1') exposeWorker(app.server, String(cluster.worker?.id))
  await app.listen({ port: config.port, host: config.host })
  // The bound port, not the configured one: PORT=0 lets the OS choose (cluster workers share the primary's choice).
  const port = boundPort(app.server) ?? config.port
  opened.setListeningPort(port)
  logger.info({ port, host: config.host }, 'listening')
  if (config.production && config.smtpUrl === undefined) {
    logger.warn({ outbox: DEFAULT_OUTBOX_DIR }, 'SMTP_URL is not set: mail is written to files instead of being sent')
  }

  return {
    async stop() {
      draining = true
      await drainConnections(app.server, { idleGraceMs: IDLE_CONNECTION_GRACE_MS, deadlineMs: SHUTDOWN_GRACE_MS })
      // Only after the drain: requests answered meanwhile still see sessions that other processes end.
      await upkeep.stop()
      await opened.close()
      redis?.disconnect()
    },
  }
}

function boundPort(server: Server): number | undefined {
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : undefined
}

function exposeWorker(server: Server, workerId: string): void {
  server.prependListener('request', (_request, response) => response.setHeader('x-latchkey-worker', workerId))
}

/**
 * Keeps this process's view current (ended sessions, rotated keys) and prunes old rows. Resolves
 * once every session end still in the database is loaded; from then on, ends recorded by any
 * process arrive at once where the database pushes them, and within a second by the poll.
 */
async function startUpkeep({ ctx, database }: OpenedContext, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const catchUp = () => {
    ctx.revocations.poll().catch((error: unknown) => logger.warn({ err: error }, 'revocation poll failed'))
  }
  // Listening before the first read: an end committed in between is still announced to us.
  const watch = await database.watchSessionEnds({
    signal: catchUp,
    lost: (error, retryInMs) => logger.warn({ err: error, retryInMs }, 'session-end listener lost; the poll covers until it is back'),
  })
  try {
    await ctx.revocations.poll()
  } catch (error) {
    await watch.close()
    throw error
  }
  let polls = 0
  const poll = async () => {
    await ctx.revocations.poll()
    await ctx.keys.reload()
    // Profiles of users imported by the CLI meanwhile (a login meeting one adds it at once anyway).
    if (++polls % LEGACY_PROFILE_REFRESH_POLLS === 0) await ctx.legacyProfiles.refresh()
  }
  const prune = async () => {
    const pruned = await pruneSessions(ctx)
    if (pruned.sessions > 0) logger.info(pruned, 'pruned expired sessions')
    const counters = await pruneLoginLimits(ctx)
    if (counters > 0) logger.info({ rows: counters }, 'pruned spent brute-force counters')
    if ((await ctx.store.pruneLegacyHashProfiles()) > 0) await ctx.legacyProfiles.refresh()
    const mail = await pruneMail(ctx)
    if (mail > 0) logger.info({ rows: mail }, 'pruned sent mail and expired links')
  }
  const guard = (task: () => Promise<void>, what: string) => () => {
    task().catch((error: unknown) => logger.warn({ err: error }, `${what} failed`))
  }
  const timers = [
    setInterval(guard(poll, 'revocation poll'), POLL_INTERVAL_MS),
    setInterval(guard(prune, 'prune'), PRUNE_INTERVAL_MS),
  ]
  guard(prune, 'prune')()
  return {
    stop: async () => {
      timers.forEach(clearInterval)
      await watch.close()
    },
  }
}
