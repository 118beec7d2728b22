/** JSON over fetch, for setting up users and sessions (not for measuring). */
export async function postJson<T>(url: string, path: string, body: unknown, expectedStatus = 200): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (response.status !== expectedStatus) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}

export interface TokenPair {
  accessToken: { token: string; expiresIn: number }
  refreshToken: string
}

/** Runs `count` tasks with at most `concurrency` at once; results in task order. */
export async function mapConcurrently<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      results[index] = await task(index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return results
}
