// Imported first by a test that counts PBKDF2 work: node:crypto's pbkdf2 (a dependency, not our
// code) is wrapped before any module of ours takes a reference to it.
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'

/** Each PBKDF2 run since the last `takePbkdf2Runs()`, as `digest×iterations`. */
const runs: string[] = []
const original = crypto.pbkdf2
crypto.pbkdf2 = ((password, salt, iterations, keylen, digest, callback) => {
  runs.push(`${digest}×${iterations}`)
  return original(password, salt, iterations, keylen, digest, callback)
}) as typeof crypto.pbkdf2
syncBuiltinESMExports()

export function takePbkdf2Runs(): string[] {
  return runs.splice(0).sort()
}
