import autocannon from 'autocannon'

export interface LoadOptions {
  url: string
  connections: number
  /** Stop after this many seconds (at the latest: `requests` may stop the run sooner). */
  seconds: number
  /** Fixed total request rate (req/s) instead of as fast as the server answers. */
  overallRate?: number
  /** The request stream; it may call `stop()` when it has nothing more to send. */
  requests: autocannon.Request[] | ((stop: () => void) => autocannon.Request[])
}

export interface LoadResult {
  /** 2xx responses per second of the run. */
  okPerSecond: number
  ok: number
  non2xx: number
  errors: number
  seconds: number
  p50Ms: number
  p99Ms: number
}

/** One autocannon run over loopback (pipelining 1: each connection waits for its answer). */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const startedAt = performance.now()
  let instance: autocannon.Instance | undefined
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    // setupRequest runs inside autocannon's request loop: stop once that call has returned.
    setImmediate(() => instance?.stop())
  }
  const requests = typeof options.requests === 'function' ? options.requests(stop) : options.requests
  return new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        timeout: 10,
        // Ten samples a second: a run stopped early ends within 0.1 s.
        sampleInt: 100,
        duration: options.seconds,
        ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
        requests,
      },
      (error, result) => {
        if (error !== null) return reject(error)
        const ok = result['2xx']
        // Timed here rather than taken from autocannon, so `amount` runs are timed the same way.
        const seconds = (performance.now() - startedAt) / 1000
        resolve({
          okPerSecond: ok / seconds,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          seconds,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
        })
      },
    )
  })
}

/** A GET that cycles over bearer tokens, one per request, in order. */
export function cyclingBearer(path: string, tokens: readonly string[]): autocannon.Request[] {
  if (tokens.length === 0) throw new Error('no tokens to send')
  let next = 0
  return [
    {
      method: 'GET',
      path,
      setupRequest: (request) => {
        const token = tokens[next++ % tokens.length] as string
        return { ...request, headers: { authorization: `Bearer ${token}` } }
      },
    },
  ]
}

/**
 * A GET that sends each bearer token once, in order, then stops the run. It times itself: from
 * its first request to the answer of its last token (autocannon only notices a stop, or an
 * `amount` reached, on its sampling tick, and the requests sent meanwhile repeat a token).
 */
export function eachBearerOnce(path: string, tokens: readonly string[]) {
  let next = 0
  let answered = 0
  let ok = 0
  let startedAt = 0
  let lastAnswerAt = 0
  return {
    requests: (stop: () => void): autocannon.Request[] => [
      {
        method: 'GET',
        path,
        setupRequest: (request) => {
          if (next === 0) startedAt = performance.now()
          if (next >= tokens.length - 1) stop()
          const token = tokens[Math.min(next++, tokens.length - 1)] as string
          return { ...request, headers: { authorization: `Bearer ${token}` } }
        },
        onResponse: (status) => {
          if (answered++ >= tokens.length) return
          if (status === 200) ok++
          lastAnswerAt = performance.now()
        },
      },
    ],
    /** 2xx answers per second to the tokens sent once. */
    result: () => ({ ok, seconds: (lastAnswerAt - startedAt) / 1000, okPerSecond: ok / ((lastAnswerAt - startedAt) / 1000) }),
  }
}

/** Notes what went wrong in a run, for the table's note column. */
export function loadProblems(result: LoadResult): string | undefined {
  const problems = [result.non2xx > 0 ? `${result.non2xx} non-2xx` : '', result.errors > 0 ? `${result.errors} errors` : ''].filter(Boolean)
  return problems.length === 0 ? undefined : problems.join(', ')
}
