import { systemClock } from '../clock.js'
import { loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { type OpenedContext, openContext } from '../open-context.js'
import type { ClientInfo } from '../persistence/store.js'
import type { CliIo } from './cli-io.js'

/** How CLI actions appear in a user's activity: no address, this user agent. */
export const CLI_CLIENT: ClientInfo = { ipAddress: null, userAgent: 'latchkey-cli' }

/**
 * Runs `work` against the database the server's own variables name (migrated first, as the
 * server does at start), with logs on stderr, and closes it afterwards.
 */
export async function withContext<T>(io: CliIo, options: { loadKeys?: boolean }, work: (opened: OpenedContext) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env)
  const log = createLogger(config.logLevel, io.stderr)
  const opened = await openContext(config, { clock: systemClock, log, loadKeys: options.loadKeys ?? false })
  try {
    return await work(opened)
  } finally {
    await opened.close()
  }
}
