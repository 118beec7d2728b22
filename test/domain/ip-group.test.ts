import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ipGroup } from '../../src/domain/ip-group.js'

const ROWS: { name: string; ip: string; group: string }[] = [
  { name: 'an IPv4 address is its own group', ip: '203.0.113.7', group: '203.0.113.7' },
  { name: 'loopback IPv4', ip: '127.0.0.1', group: '127.0.0.1' },
  { name: 'an IPv4-mapped IPv6 address is the IPv4 address', ip: '::ffff:203.0.113.7', group: '203.0.113.7' },
  { name: 'an IPv4-mapped address in hex is the IPv4 address', ip: '::ffff:cb00:7107', group: '203.0.113.7' },
  { name: 'an IPv4-mapped address in upper case', ip: '::FFFF:203.0.113.7', group: '203.0.113.7' },
  { name: 'an IPv6 address is grouped by its /64', ip: '2001:db8:1:2:3:4:5:6', group: '2001:db8:1:2::/64' },
  { name: 'another address of the same /64 is the same group', ip: '2001:db8:1:2:ffff:ffff:ffff:ffff', group: '2001:db8:1:2::/64' },
  { name: 'the neighbouring /64 is another group', ip: '2001:db8:1:3::1', group: '2001:db8:1:3::/64' },
  { name: 'leading zeros and upper case are canonicalised', ip: '2001:0DB8:0001:0002:0000:0000:0000:0001', group: '2001:db8:1:2::/64' },
  { name: 'a compressed prefix', ip: '2001:db8::1', group: '2001:db8::/64' },
  { name: 'zeros inside the prefix', ip: '2001:0:0:5::9', group: '2001:0:0:5::/64' },
  { name: 'a zero run in the prefix shorter than the tail', ip: '2001:db8:0:5:1:2:3:4', group: '2001:db8:0:5::/64' },
  { name: 'IPv6 loopback', ip: '::1', group: '::/64' },
  { name: 'the unspecified address', ip: '::', group: '::/64' },
  { name: 'a link-local address with a zone', ip: 'fe80::1%eth0', group: 'fe80::/64' },
  { name: 'an IPv6 address with an embedded IPv4 tail', ip: '64:ff9b::198.51.100.1', group: '64:ff9b::/64' },
  { name: 'not an address: itself, lower-cased', ip: 'Not-An-Address', group: 'not-an-address' },
  { name: 'two "::" are not an address', ip: '1::2::3', group: '1::2::3' },
  { name: 'nine groups are not an address', ip: '1:2:3:4:5:6:7:8:9', group: '1:2:3:4:5:6:7:8:9' },
  { name: 'a five-digit group is not an address', ip: '12345::1', group: '12345::1' },
  { name: 'an IPv4 octet over 255 is not an address', ip: '256.1.1.1', group: '256.1.1.1' },
]

describe('ipGroup', { timeout: 10_000 }, () => {
  for (const row of ROWS) {
    it(`${row.name}: ${row.ip} → ${row.group}`, { timeout: 1_000 }, () => {
      assert.equal(ipGroup(row.ip), row.group)
    })
  }
})
