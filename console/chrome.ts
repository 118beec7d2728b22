import type { Account } from 'latchkey/client'
import type { RouteName } from './context.js'
import { h } from './dom.js'
import { NAVIGATION } from './routes.js'

const accountMenu = document.getElementById('account-menu') as HTMLElement
const nav = document.getElementById('nav') as HTMLElement
const brand = document.getElementById('brand') as HTMLAnchorElement
let signOutHandler: () => Promise<void> = async () => undefined

/** The page around the view: the header's user name and sign-out, the navigation and its current item. */
export function renderChrome(state: { route: RouteName; signedIn: boolean; account: Account | undefined; signOut: () => Promise<void> }): void {
  signOutHandler = state.signOut
  document.body.classList.toggle('signed-in', state.signedIn)
  brand.href = state.signedIn ? '#/profile' : '#/sign-in'
  nav.hidden = !state.signedIn
  accountMenu.hidden = !state.signedIn
  if (!state.signedIn) return
  const name = state.account === undefined ? '' : `${state.account.firstName} ${state.account.lastName}`.trim() || state.account.userName
  document.getElementById('user-name')!.textContent = name
  document.getElementById('avatar')!.textContent = initials(name)
  nav.querySelector('ul')!.replaceChildren(
    ...NAVIGATION.map(([route, label]) => h('li', {}, h('a', { href: `#/${route}`, 'aria-current': route === state.route ? 'page' : undefined }, label))),
  )
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join('')
}

document.getElementById('sign-out')!.addEventListener('click', (event) => {
  const button = event.currentTarget as HTMLButtonElement
  button.disabled = true
  void signOutHandler().finally(() => (button.disabled = false))
})
