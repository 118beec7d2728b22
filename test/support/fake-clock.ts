import type { Clock } from '../../src/clock.js'

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 26, 12, 0, 0)) {}

  now(): number {
    return this.current
  }

  advance(ms: number): void {
    this.current += ms
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000)
  }
}
