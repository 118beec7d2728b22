import type { FastifyRequest } from 'fastify'
import type { ClientInfo } from '../persistence/store.js'

const USER_AGENT_MAX = 512

/** The client's canonical IP (`::ffff:1.2.3.4` is `1.2.3.4`) and its user agent, cut to 512 characters. */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent']
  return {
    ipAddress: canonicalIp(request.ip),
    userAgent: userAgent === undefined ? null : [...userAgent].slice(0, USER_AGENT_MAX).join(''),
  }
}

export function canonicalIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  return mapped?.[1] ?? ip.toLowerCase()
}
