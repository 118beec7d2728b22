import { rotateSigningKey } from '../auth/rotate-signing-key.js'
import { loadConfig } from '../config.js'
import { CliFailure, usageError } from './cli-failure.js'
import { type CliIo, printLine } from './cli-io.js'
import { withContext } from './with-context.js'

const HS256_ROTATION =
  'keys rotate does not apply to JWT_ALGORITHM=HS256, whose key is JWT_SECRET: to rotate it, move the current secret ' +
  'to JWT_SECRET_PREVIOUS, set a new JWT_SECRET (at least 32 bytes), restart every instance, and remove ' +
  'JWT_SECRET_PREVIOUS once ACCESS_TOKEN_TTL (plus CLOCK_SKEW) has passed'

/** `latchkey keys rotate`: a new key pair signs from now on; prints its kid. */
export async function keysRotate(args: string[], io: CliIo): Promise<void> {
  if (args.length > 0) throw usageError('keys rotate takes no arguments')
  if (loadConfig(io.env).jwtAlgorithm === 'HS256') throw new CliFailure(HS256_ROTATION)
  const kid = await withContext(io, {}, ({ ctx }) => rotateSigningKey(ctx))
  printLine(io, kid)
}
