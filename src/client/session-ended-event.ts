/** Why a session ended, as `onSessionEnded` is told. */
export type SessionEndReason =
  /** This client's `logout`, `logoutAll`, or `endSession` of its own session. */
  | 'logout'
  /** The refresh token was refused (`invalid_grant`): the session ended elsewhere, expired, or its token was reused. */
  | 'refresh_rejected'
  /** The server refused the access token without `Token-Expired`: the session ended elsewhere. */
  | 'token_rejected'
  /** Another tab ended it: a logout in one tab logs out every tab. */
  | 'other_tab'

/** What `onSessionEnded` receives. */
export interface SessionEndedEvent {
  reason: SessionEndReason
}
