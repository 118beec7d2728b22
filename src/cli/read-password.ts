import { CliFailure } from './cli-failure.js'
import type { CliIo } from './cli-io.js'

/** The password is standard input to its end, with one trailing newline dropped (never trimmed). */
export async function readPassword(io: CliIo): Promise<string> {
  if (io.stdin.isTTY === true) io.stderr.write('Password (then Enter and Ctrl-D): ')
  const chunks: Buffer[] = []
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks))
  } catch {
    throw new CliFailure('the password on standard input is not valid UTF-8')
  }
  if (text.endsWith('\r\n')) return text.slice(0, -2)
  return text.endsWith('\n') ? text.slice(0, -1) : text
}
