import type { Messages } from './types'

export const en: Messages = {
  app: {
    name: 'Xueliang',
    tagline: 'Public-safety video and grid governance',
  },
  lang: {
    label: 'Interface language',
  },
  login: {
    title: 'Sign in',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    submitting: 'Signing in…',
    lockedOut: 'Too many sign-in attempts. Try again in {seconds} s.',
    failed: 'Sign-in failed. Check the username and password.',
    unreachable: 'Cannot reach the server. Try again later.',
  },
  header: {
    logout: 'Log out',
    user: 'Signed in as',
  },
  nav: {
    label: 'Navigation',
    overview: 'Overview',
    video: 'Video resources',
    viewLibrary: 'View library',
    investigation: 'Investigation',
    grid: 'Grid governance',
    incidents: 'Incidents',
    assessment: 'Assessment',
    operations: 'Operations',
    audit: 'Audit log',
    admin: 'Administration',
  },
  overview: {
    welcome: 'Welcome, {name}',
    account: 'Your account',
    username: 'Username',
    roles: 'Roles',
    noRoles: 'No roles assigned',
    permissions: 'Permissions',
    health: 'System status',
    service: 'Service',
    database: 'Database',
    refresh: 'Refresh',
    checking: 'Checking…',
    unavailable: 'unavailable',
  },
  module: {
    notInstalled: 'This module is not installed yet',
    notInstalledHint:
      'The “{name}” module is not installed on this system yet; it will appear here once installed. No sample data is shown.',
  },
  notFound: {
    title: 'Page not found',
    back: 'Back to overview',
  },
  role: {
    admin: 'Administrator',
    analyst: 'Analyst',
    operator: 'Operator',
    dispatcher: 'Dispatcher',
    department_handler: 'Department handler',
    grid_worker: 'Grid worker',
    maintainer: 'Maintainer',
    auditor: 'Auditor',
    viewer: 'Viewer',
  },
}
