import { randomInt } from 'node:crypto'

// Recovery codes (contract §10): the fallback second factor, 10 per user, each usable once,
// shown once as `XXXXX-XXXXX`; the separator, spaces and case are ignored on input.

export const RECOVERY_CODE_COUNT = 10
export const RECOVERY_CODE_LENGTH = 10

/**
 * 27 characters, none of them easily confused with another when read off a screen or written
 * on paper: no 0, 1, O or I, and no B (8), G (6), S (5), V (U) or Z (2).
 * 10 characters × log2(27) ≈ 4.75 bits = 47.5 bits per code.
 */
export const RECOVERY_CODE_ALPHABET = '23456789ACDEFHJKLMNPQRTUWXY'

const SEPARATORS = /[ -]/g
/** Checked before upper-casing, so Unicode case mappings (`ﬀ` → `FF`) cannot make a code. */
const CODE_PATTERN = new RegExp(`^[${RECOVERY_CODE_ALPHABET}${RECOVERY_CODE_ALPHABET.toLowerCase()}]{${RECOVERY_CODE_LENGTH}}$`)

/** 10 distinct fresh codes, in their normalized form (10 alphabet characters, no separator). */
export function generateRecoveryCodes(): string[] {
  const codes = new Set<string>()
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(randomCode())
  return [...codes]
}

function randomCode(): string {
  let code = ''
  // randomInt draws by rejection sampling from the CSPRNG: every character is equally likely
  // (a byte taken modulo 27 would favour the first 13 characters).
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) code += RECOVERY_CODE_ALPHABET.charAt(randomInt(RECOVERY_CODE_ALPHABET.length))
  return code
}

/** How a normalized code is shown to the user: `XXXXX-XXXXX`. */
export function formatRecoveryCode(code: string): string {
  const half = RECOVERY_CODE_LENGTH / 2
  return `${code.slice(0, half)}-${code.slice(half)}`
}

/**
 * The code as generated: upper-case without spaces or `-`; undefined unless that leaves exactly
 * 10 alphabet characters (a look-alike such as O or 1 is refused, not guessed at).
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const compact = input.replace(SEPARATORS, '')
  return CODE_PATTERN.test(compact) ? compact.toUpperCase() : undefined
}
