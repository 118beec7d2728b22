import { type Agent, type IncomingHttpHeaders, request } from 'node:http'

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The body as text ('' for none). */
  text: string
}

export interface RawRequestOptions {
  method?: string
  headers?: Record<string, string>
  /** Sent as given, with its Content-Length, on any method (a GET too). */
  body?: string
  /** `false` for a connection of its own; a keep-alive agent to send on one open connection. */
  agent?: Agent | false
}

/**
 * One request over node:http, sent exactly as given where `fetch` would not: a path it would
 * normalise or refuse, a header it would trim, a GET with a body, a connection of the caller's choice.
 */
export function rawRequest(baseUrl: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl)
  const { method = 'GET', body, agent } = options
  const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }
  return new Promise((resolve, reject) => {
    const outgoing = request({ hostname, port, method, path, headers: { ...options.headers, ...length }, ...(agent === undefined ? {} : { agent }) }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }))
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}
