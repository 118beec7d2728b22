/** Where a command reads and writes: results to `stdout`, logs and reasons to `stderr`. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
}

export const processIo: CliIo = { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }

/** Writes one result line to stdout. */
export function printLine(io: CliIo, line: string): void {
  io.stdout.write(`${line}\n`)
}
