import { type CliIo, printLine } from './cli-io.js'
import { usageError } from './cli-failure.js'
import { withContext } from './with-context.js'

/** `latchkey migrate`: brings the schema up to date (idempotent; safe beside running servers). */
export async function migrate(args: string[], io: CliIo): Promise<void> {
  if (args.length > 0) throw usageError('migrate takes no arguments')
  await withContext(io, {}, async () => undefined)
  printLine(io, 'database schema is up to date')
}
