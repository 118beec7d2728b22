import { listSigningKeys } from '../auth/list-signing-keys.js'
import { usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { withContext } from './with-context.js'

/** `latchkey keys list`: `kid\talg\tstate\tcreatedAt`, one line per stored key, oldest first. */
export async function keysList(args: string[], io: CliIo): Promise<void> {
  if (args.length > 0) throw usageError('keys list takes no arguments')
  const keys = await withContext(io, {}, async ({ ctx }) => {
    if (ctx.config.jwtAlgorithm === 'HS256') io.stderr.write('JWT_ALGORITHM=HS256: the signing keys are JWT_SECRET (and JWT_SECRET_PREVIOUS), not stored keys\n')
    return listSigningKeys(ctx)
  })
  for (const key of keys) printLine(io, [key.kid, key.algorithm, key.state, key.createdAt.toISOString()].join('\t'))
}
