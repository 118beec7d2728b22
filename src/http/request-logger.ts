import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

/**
 * Fastify's per-request logger. When `info` is on, pino's child carrying the request id, as
 * Fastify makes it (a line per request). Above `info` (`warn`, production's usual level) a request
 * logs only when something goes wrong, so the child — a new logger object and its bindings
 * serialised to JSON, a few microseconds on every request — is made on the first warning or
 * error instead, with the same request id.
 */
export function requestLoggerFactory(logger: FastifyBaseLogger): FastifyServerOptions['childLoggerFactory'] {
  if (levelEnabled(logger, 'info')) return undefined
  return (parent, bindings, options) => new DeferredChild(parent, bindings, options) as unknown as FastifyBaseLogger
}

/** Methods on the prototype, not closures per instance: a request allocates one small object. */
class DeferredChild {
  #child: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.parent.level
  }

  set level(level: string) {
    this.made().level = level
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args)
  }

  error(...args: unknown[]): void {
    this.write('error', args)
  }

  warn(...args: unknown[]): void {
    this.write('warn', args)
  }

  // Below the level the parent had when the factory was chosen: nothing to make or write.
  info(): void {}
  debug(): void {}
  trace(): void {}
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.made().child(bindings, options)
  }

  private write(level: 'fatal' | 'error' | 'warn', args: unknown[]): void {
    const child = this.made()
    Reflect.apply(child[level], child, args)
  }

  private made(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options)
    return this.#child
  }
}

function levelEnabled(logger: FastifyBaseLogger, level: string): boolean {
  const withCheck = logger as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }
  return withCheck.isLevelEnabled?.(level) ?? true
}
