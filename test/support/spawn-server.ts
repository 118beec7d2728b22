import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url))
/** The levels at which the server logs its `listening` line (pino's `info` and below). */
const LEVELS_THAT_LOG_LISTENING = new Set(['info', 'debug', 'trace'])

export interface SpawnedServer {
  process: ChildProcess
  stderr(): string
  stdout(): string
  /** Resolves with the port from the server's first `listening` log line; rejects if it exits first. */
  listening: Promise<number>
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>
  kill(signal?: NodeJS.Signals): Promise<number | null>
}

export interface SpawnOptions {
  /** The working directory (default: the test runner's): `./data/…` paths are relative to it. */
  cwd?: string
}

export interface ListeningServer extends SpawnedServer {
  /** `http://127.0.0.1:<port>`, the port the server (every worker of it) listens on. */
  url: string
  port: number
}

/**
 * Starts the built server (`node dist/src/main.js`, as `npm start` does) with the given
 * environment, without waiting for it: for a server expected to refuse to start. PORT defaults
 * to 0 (the OS picks a port, no race with another process) and LOG_LEVEL to info.
 */
export function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): SpawnedServer {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const listening = new Promise<number>((resolve, reject) => {
    let scanned = 0
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const end = out.lastIndexOf('\n') + 1
      const port = listeningPort(out.slice(scanned, end))
      scanned = Math.max(scanned, end)
      if (port !== undefined) resolve(port)
    })
    // 'close', not 'exit': by then stdout has been read to its end.
    child.once('close', (code) => reject(new Error(`the server exited (${code}) before listening: ${err}`)))
  })
  listening.catch(() => {}) // a server expected to fail is never asked where it listens
  return {
    process: child,
    stderr: () => err,
    stdout: () => out,
    listening,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/**
 * Starts the built server and waits for its `listening` log line, which names the port the OS
 * gave it (PORT=0 unless `env` sets one). Needs LOG_LEVEL info or lower, the default here.
 */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 20_000, options: SpawnOptions = {}): Promise<ListeningServer> {
  if (env.LOG_LEVEL !== undefined && !LEVELS_THAT_LOG_LISTENING.has(env.LOG_LEVEL)) {
    throw new Error(`LOG_LEVEL=${env.LOG_LEVEL} hides the listening line that names the port: use info`)
  }
  const server = spawnServer(env, options)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not listen within ${timeoutMs} ms: ${server.stderr()}`)), timeoutMs)
  })
  try {
    const port = await Promise.race([server.listening, timeout])
    return { ...server, url: `http://127.0.0.1:${port}`, port }
  } catch (error) {
    await server.kill('SIGKILL')
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Starts the built server at a level that hides the `listening` line (warn, error): the port is
 * read from the kernel's table of listening sockets for the child's own file descriptors (Linux),
 * or chosen here (elsewhere), and the server is ready once /healthz answers.
 */
export async function startQuietServerProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<ListeningServer> {
  const procfs = existsSync('/proc/net/tcp')
  const chosen = procfs ? undefined : await closedPort()
  const server = spawnServer({ ...env, PORT: String(chosen ?? 0) })
  try {
    const deadline = Date.now() + timeoutMs
    let port = chosen
    while (port === undefined) {
      if (Date.now() > deadline) throw new Error(`the server did not listen within ${timeoutMs} ms: ${server.stderr()}`)
      if (server.process.exitCode !== null) throw new Error(`the server exited (${server.process.exitCode}): ${server.stderr()}`)
      port = listeningPortOf(server.process.pid as number)
      if (port === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const url = `http://127.0.0.1:${port}`
    await waitForHealthy(url, Math.max(1, deadline - Date.now()))
    return { ...server, url, port }
  } catch (error) {
    await server.kill('SIGKILL')
    throw error
  }
}

/** The TCP port `pid` listens on, from /proc: its socket inodes matched against /proc/net/tcp's LISTEN rows. */
function listeningPortOf(pid: number): number | undefined {
  let inodes: Set<string>
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]
          } catch {
            return undefined
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    )
  } catch {
    return undefined
  }
  for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = row.trim().split(/\s+/)
    // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the tenth field.
    if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) return Number.parseInt((fields[1] ?? '').split(':')[1] ?? '', 16)
  }
  return undefined
}

/** The port of the first `listening` line among these complete JSON log lines, if any. */
function listeningPort(lines: string): number | undefined {
  for (const line of lines.split('\n')) {
    if (!line.includes('"listening"')) continue
    try {
      const entry = JSON.parse(line) as { msg?: unknown; port?: unknown }
      if (entry.msg === 'listening' && typeof entry.port === 'number') return entry.port
    } catch {
      // not a log line
    }
  }
  return undefined
}

/**
 * A loopback port nothing listens on, to point a client at (the OS picked it and it was closed
 * again). Never for a server to bind: servers listen on port 0 and report their port.
 */
export async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHealthy(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs} ms`)
}

/** Pids of the live processes whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}
