/** Where to go after login: only same-site paths, never back to /login. */
export function safeRedirect(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/overview'
  return value.startsWith('/login') ? '/overview' : value
}
