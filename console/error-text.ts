import { isLatchkeyError, type LatchkeyError } from 'latchkey/client'

/** What the user reads for an error no form handles itself: plain words, never the server's internals. */
export function errorText(error: unknown): string {
  if (!isLatchkeyError(error)) return 'Something went wrong in this page. Reload it and try again.'
  switch (error.code) {
    case 'network_error':
      return 'The server could not be reached. Check your connection and try again.'
    case 'too_many_requests':
      return `Too many attempts. Try again ${afterSeconds(error)}.`
    case 'service_unavailable':
      return `The server is busy. Try again ${afterSeconds(error)}.`
    case 'invalid_credentials':
      return 'The user name or password is incorrect.'
    case 'invalid_current_password':
      return 'Your current password is incorrect.'
    case 'invalid_mfa_code':
      return 'That code is not right. Enter the current code from your authenticator app, or a recovery code.'
    case 'email_not_verified':
      return 'Verify your email address first: open the link we mailed you. No mail? Ask for a new one below.'
    case 'session_ended':
    case 'invalid_token':
      return 'Your session has ended. Sign in again.'
    case 'duplicate_email':
      return 'Another account already uses this email address.'
    case 'duplicate_user_name':
      return 'This user name is taken. Choose another.'
    case 'mfa_already_enabled':
      return 'Two-factor authentication is already on.'
    case 'not_found':
      return 'That is no longer there: it may have changed in another tab or on another device. Reload the page.'
    case 'validation_failed':
      return 'Please correct the marked fields.'
    default:
      return withRequestId(error, 'Something went wrong on our side. Please try again later.')
  }
}

function afterSeconds(error: LatchkeyError): string {
  const seconds = error.retryAfterSeconds
  if (seconds === undefined) return 'in a little while'
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`
  return `in ${Math.ceil(seconds / 60)} minutes`
}

function withRequestId(error: LatchkeyError, text: string): string {
  return error.requestId === undefined ? text : `${text} (Reference: ${error.requestId})`
}
