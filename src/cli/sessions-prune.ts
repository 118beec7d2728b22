import { pruneLoginLimits } from '../auth/prune-login-limits.js'
import { pruneSessions } from '../auth/prune-sessions.js'
import { usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { plural } from './plural.js'
import { withContext } from './with-context.js'

/** `latchkey sessions prune`: deletes what can never be used again (the server also does this). */
export async function sessionsPrune(args: string[], io: CliIo): Promise<void> {
  if (args.length > 0) throw usageError('sessions prune takes no arguments')
  const pruned = await withContext(io, {}, async ({ ctx }) => {
    // The brute-force counters that no longer count go too (the server prunes both).
    await pruneLoginLimits(ctx)
    return pruneSessions(ctx)
  })
  printLine(io, `pruned ${plural(pruned.sessions, 'session')}; erased ${plural(pruned.successorsErased, 'kept successor token')}`)
}
