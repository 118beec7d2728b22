import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, type FieldErrors, validationFailed } from '../errors.js'
import { hasForbiddenCodePoints } from '../domain/text.js'

export const BODY_LIMIT_BYTES = 16 * 1024

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also takes no body or an empty one, read as `{}` (logout, §4.4). */
    emptyBodyAllowed?: boolean
  }
  interface FastifyRequest {
    /** On `emptyBodyAllowed` routes: true when the body had no properties at all (none, empty, or `{}`). */
    bodyWasEmpty?: boolean
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Accepts only `application/json` bodies (UTF-8), parsed strictly: invalid UTF-8 is
 * `invalid_json` instead of being silently replaced; any other media type is 415. Routes that
 * take no body (no body schema) ignore whatever body they are sent, of any type.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    if (!takesBody(request)) return done(null, undefined)
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
      return done(new AppError('unsupported_media_type', 'Send the body as UTF-8 JSON.'), undefined)
    }
    if ((body as Buffer).length === 0 && request.routeOptions.config.emptyBodyAllowed === true) return done(null, undefined)
    try {
      const text = strictUtf8.decode(body as Buffer)
      done(null, JSON.parse(text))
    } catch {
      done(new AppError('invalid_json', 'The body is not valid JSON.'), undefined)
    }
  })
  app.addContentTypeParser('*', (request, payload, done) => {
    if (takesBody(request)) return done(new AppError('unsupported_media_type', 'Send the body as application/json.'), undefined)
    payload.on('end', () => done(null, undefined))
    payload.resume()
  })
  // Only on routes that take a body: a GET pays for no promise and no microtask hop here.
  app.addHook('onRoute', (route) => {
    if (route.schema?.body === undefined) return
    const own = route.preValidation === undefined ? [] : [route.preValidation].flat()
    route.preValidation = [foldBodyKeys, ...own]
  })
}

function takesBody(request: FastifyRequest): boolean {
  return request.routeOptions.schema?.body !== undefined
}

/**
 * Property names match ignoring ASCII case, as the sample's model binding did. The body is
 * rebuilt with the schema's own names; unknown properties are dropped, and two spellings of
 * one name are refused rather than one silently winning.
 */
async function foldBodyKeys(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema?.body as { properties?: Record<string, unknown> } | undefined
  if (schema?.properties === undefined) return
  if (request.body === undefined && request.routeOptions.config.emptyBodyAllowed === true) request.body = {}
  if (request.body === undefined && request.headers['content-type'] === undefined) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json.')
  }
  const body: unknown = request.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed({ '': ['The body must be a JSON object.'] })
  }
  if (request.routeOptions.config.emptyBodyAllowed === true) request.bodyWasEmpty = Object.keys(body).length === 0
  const canonical = new Map(Object.keys(schema.properties).map((name) => [name.toLowerCase(), name]))
  const folded: Record<string, unknown> = {}
  const errors: FieldErrors = {}
  for (const [key, value] of Object.entries(body)) {
    const name = canonical.get(key.toLowerCase())
    if (name === undefined) continue
    if (Object.hasOwn(folded, name)) (errors[name] ??= []).push('Is given more than once (names ignore case).')
    else if (typeof value === 'string' && hasForbiddenCodePoints(value)) {
      (errors[name] ??= []).push('Contains U+0000 or an unpaired surrogate.')
    }
    folded[name] = value
  }
  if (Object.keys(errors).length > 0) throw validationFailed(errors)
  request.body = folded
}
