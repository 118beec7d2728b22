import type { Log } from '../../src/logger.js'

/** A Log that drops every line, for code under test that wants one. */
export const silentLog: Log = { info() {}, warn() {}, error() {} }
