import { pino, type Logger } from 'pino'
import type { LogLevel } from './config.js'

/** Structured log sink (pino's shape); never given a password, token, hash or key. */
export interface Log {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

/**
 * JSON logs on stdout (or the given stream). Request logs carry the method, the path without
 * its query string (a token there must not reach the log) and the request id; credentials in
 * headers are redacted should a header ever be logged.
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.token'], censor: '[redacted]' },
      serializers: {
        req: (request: { method?: string; url?: string; ip?: string }) => ({
          method: request.method,
          path: request.url?.split('?')[0],
          ip: request.ip,
        }),
      },
    },
    destination ?? process.stdout,
  )
}
