/**
 * The per-IP rate limit (contract §4.5) admits at most `RATE_LIMIT_PER_MINUTE` requests in ANY
 * window of this length: a sliding log of admitted requests, not a counter reset each minute
 * (which would let twice the limit through across a minute's boundary).
 */
export const RATE_LIMIT_WINDOW_MS = 60_000
