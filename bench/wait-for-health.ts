import { get } from 'node:http'

const POLL_INTERVAL_MS = 5

/** Resolves once GET /healthz answers 200; rejects after `timeoutMs` or when `gaveUp()` says so. */
export async function waitForHealth(url: string, timeoutMs: number, gaveUp: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if ((await healthStatus(url)) === 200) return
    const reason = gaveUp()
    if (reason !== undefined) throw new Error(reason)
    if (Date.now() > deadline) throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
  }
}

function healthStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = get(`${url}/healthz`, { agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode)
    })
    request.setTimeout(1_000, () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}
