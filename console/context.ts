import type { Account, LatchkeyClient } from 'latchkey/client'
import type { NoticeKind } from './notice.js'

/** Every view of the console, by the fragment that opens it (`#/sessions`). */
export type RouteName = 'sign-in' | 'sign-up' | 'forgot-password' | 'profile' | 'sessions' | 'activity' | 'password' | 'email' | 'two-factor'

/** A message for the next view to show (a view change replaces the old view's notice). */
export interface Flash {
  kind: NoticeKind
  text: string
}

/** What a view gets: the client, the signed-in account, and the way to another view. */
export interface ConsoleContext {
  client: LatchkeyClient
  /** The signed-in user: read once per view shown (the view and the header share the request). */
  account(): Promise<Account>
  /** Opens a view (focus moves to its heading); `flash` is shown in it. */
  go(route: RouteName, flash?: Flash): void
  /** The message left for this view by the previous one, once. */
  takeFlash(): Flash | undefined
  /** After a sign-in: the view that asked for it, or the profile. */
  signedIn(): void
}

/** A view: its title and whether it needs a session; `render` builds it (data loaded) with its `h1` first. */
export interface View {
  title: string
  needsSession: boolean
  render(context: ConsoleContext): Promise<HTMLElement>
}
