// The domains of the side navigation. A domain whose module is built sets `installed: true`
// and its own `component`; the rest show the honest "not installed yet" page.
import type { MessageKey } from '@/i18n'

export type NavIcon =
  | 'overview'
  | 'video'
  | 'viewLibrary'
  | 'investigation'
  | 'grid'
  | 'incidents'
  | 'assessment'
  | 'operations'
  | 'audit'
  | 'admin'

export interface NavItem {
  /** Route name, also the `data-testid` suffix of the nav link (`nav-<name>`). */
  name: string
  path: string
  label: MessageKey
  icon: NavIcon
  /** Permission a user needs to see the item and open the page. */
  permission?: string
}

export const NAV_ITEMS: readonly NavItem[] = [
  { name: 'overview', path: '/overview', label: 'nav.overview', icon: 'overview' },
  { name: 'video', path: '/video', label: 'nav.video', icon: 'video' },
  { name: 'view-library', path: '/view-library', label: 'nav.viewLibrary', icon: 'viewLibrary' },
  { name: 'investigation', path: '/investigation', label: 'nav.investigation', icon: 'investigation' },
  { name: 'grid', path: '/grid', label: 'nav.grid', icon: 'grid' },
  { name: 'incidents', path: '/incidents', label: 'nav.incidents', icon: 'incidents' },
  { name: 'assessment', path: '/assessment', label: 'nav.assessment', icon: 'assessment', permission: 'assessment.read' },
  { name: 'operations', path: '/operations', label: 'nav.operations', icon: 'operations', permission: 'ops.read' },
  { name: 'audit', path: '/audit', label: 'nav.audit', icon: 'audit', permission: 'audit.read' },
  { name: 'admin', path: '/admin', label: 'nav.admin', icon: 'admin', permission: 'user.manage' },
]
