/**
 * The client a rate limit or a login back-off counts (contract §1): an IPv4 address as it is,
 * an IPv6 address by its /64. A subscriber is routinely given a whole /64 and can pick any of
 * its 2^64 addresses, so counting single IPv6 addresses would let one client be 2^64 clients.
 * An IPv4 address written as IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) is that IPv4 address.
 * Anything that is not an address (it should not happen) is its own group, lower-cased.
 */
export function ipGroup(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, '') // a zone (`fe80::1%eth0`) names an interface, not a client
  if (IPV4.test(address)) return address
  const hextets = parseIpv6(address)
  if (hextets === undefined) return address
  if (hextets.slice(0, 5).every((hextet) => hextet === 0) && hextets[5] === 0xffff) return ipv4Of(hextets[6] ?? 0, hextets[7] ?? 0)
  return `${formatIpv6([...hextets.slice(0, 4), 0, 0, 0, 0])}/64`
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`)
const HEXTET = /^[0-9a-f]{1,4}$/

/** The eight 16-bit groups of an IPv6 address in any RFC 4291 text form, or undefined. */
function parseIpv6(address: string): number[] | undefined {
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const head = groupsOf(halves[0] ?? '')
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  return [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]
}

/** `a:b:c` (the last group may be a dotted IPv4 address, two groups) as numbers. */
function groupsOf(part: string): number[] | undefined {
  if (part === '') return []
  const groups = part.split(':')
  const last = groups.at(-1) ?? ''
  const embedded = IPV4.test(last) ? last.split('.').map(Number) : undefined
  if (embedded !== undefined) groups.pop()
  if (!groups.every((group) => HEXTET.test(group))) return undefined
  const numbers = groups.map((group) => parseInt(group, 16))
  if (embedded === undefined) return numbers
  const [a = 0, b = 0, c = 0, d = 0] = embedded
  return [...numbers, (a << 8) | b, (c << 8) | d]
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

/** RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups (the first of equals) as `::`. */
function formatIpv6(hextets: readonly number[]): string {
  let bestStart = -1
  let bestLength = 1
  for (let start = 0; start < hextets.length; start++) {
    let length = 0
    while (hextets[start + length] === 0) length++
    if (length > bestLength) [bestStart, bestLength] = [start, length]
  }
  const text = hextets.map((hextet) => hextet.toString(16))
  if (bestStart === -1) return text.join(':')
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`
}
