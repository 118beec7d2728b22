/** Code points, not UTF-16 units: how the contract counts lengths. */
export function codePointLength(value: string): number {
  let count = 0
  for (const _ of value) count++
  return count
}

/** U+0000 and unpaired surrogates are refused in every string a client sends. */
export function hasForbiddenCodePoints(value: string): boolean {
  return value.includes('\u0000') || !value.isWellFormed()
}
