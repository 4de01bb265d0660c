import type { Component } from 'vue'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import { can, ensureSession } from '@/auth/session'
import type { MessageKey } from '@/i18n'
import AppLayout from '@/layouts/AppLayout.vue'
import AdminPage from '@/pages/admin/AdminPage.vue'
import AssessmentPage from '@/pages/assessment/AssessmentPage.vue'
import AuditPage from '@/pages/audit/AuditPage.vue'
import GridMapPage from '@/pages/grid/GridMapPage.vue'
import IncidentDeskPage from '@/pages/incidents/IncidentDeskPage.vue'
import IncidentDetailPage from '@/pages/incidents/IncidentDetailPage.vue'
import IncidentReportPage from '@/pages/incidents/IncidentReportPage.vue'
// Imported statically: a defineAsyncComponent wrapper used as a route component was seen rendering
// on other routes; vue-router wants route components or `() => import()`, not async wrappers.
import InvestigationPage from '@/pages/investigation/InvestigationPage.vue'
import LoginPage from '@/pages/LoginPage.vue'
import ModuleNotInstalledPage from '@/pages/ModuleNotInstalledPage.vue'
import NotFoundPage from '@/pages/NotFoundPage.vue'
import OperationsPage from '@/pages/operations/OperationsPage.vue'
import OverviewPage from '@/pages/OverviewPage.vue'
import VideoPage from '@/pages/video/VideoPage.vue'

import { NAV_ITEMS } from './nav'
import { safeRedirect } from './redirect'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** Permission needed to open the page. */
    permission?: string
    /** Document title. */
    title?: MessageKey
  }
}

/** Domains whose module is installed: their own page instead of ModuleNotInstalledPage. */
const INSTALLED_PAGES: Partial<Record<string, Component>> = { assessment: AssessmentPage, audit: AuditPage, admin: AdminPage, grid: GridMapPage, incidents: IncidentDeskPage, investigation: InvestigationPage, operations: OperationsPage, video: VideoPage }

const domainRoutes: RouteRecordRaw[] = NAV_ITEMS.filter((item) => item.name !== 'overview').map(
  (item) => ({
    path: item.path.slice(1),
    name: item.name,
    component: INSTALLED_PAGES[item.name] ?? ModuleNotInstalledPage,
    props: INSTALLED_PAGES[item.name] ? false : { label: item.label },
    meta: { title: item.label, permission: item.permission },
  }),
)

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true, title: 'login.title' } },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', redirect: { name: 'overview' } },
      { path: 'overview', name: 'overview', component: OverviewPage, meta: { title: 'nav.overview' } },
      ...domainRoutes,
      { path: 'incidents/report', name: 'incident-report', component: IncidentReportPage, meta: { title: 'incidents.report.title' } },
      { path: 'incidents/:id(\\d+)', name: 'incident-detail', component: IncidentDetailPage, meta: { title: 'incidents.detail.title' } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: NotFoundPage, meta: { title: 'notFound.title' } },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  const user = await ensureSession()
  if (to.meta.public) return to.name === 'login' && user ? safeRedirect(to.query.redirect) : true
  if (!user) return { name: 'login', query: { redirect: to.fullPath } }
  if (to.meta.permission && !can(to.meta.permission)) return { name: 'overview' }
  return true
})
