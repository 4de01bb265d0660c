// The typed API client: paths and bodies come from schema.d.ts, generated from openapi.json.
import createClient, { type Middleware } from 'openapi-fetch'

import type { components, paths } from './schema'

export type UserRead = components['schemas']['UserRead']

/** An RFC 9457 problem body (`application/problem+json`), as every API error is sent. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
export const CSRF_COOKIE = 'xl_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

export function readCookie(name: string): string | null {
  for (const pair of document.cookie.split(';')) {
    const [key, ...rest] = pair.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

/** Sends the double-submit CSRF token on every unsafe request. */
const csrf: Middleware = {
  onRequest({ request }) {
    const token = readCookie(CSRF_COOKIE)
    if (UNSAFE_METHODS.has(request.method) && token) request.headers.set(CSRF_HEADER, token)
    return request
  },
}

type UnauthorizedHandler = (url: string) => void
let onUnauthorized: UnauthorizedHandler = () => {}

/** Called with the request URL whenever the API answers 401 (for example, an expired session). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler
}

const unauthorized: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401) onUnauthorized(request.url)
    return response
  },
}

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
})
api.use(csrf, unauthorized)

/** The `detail` of an RFC 9457 problem body, when the error is one. */
export function problemDetail(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  const detail = (error as Partial<Problem>).detail
  return typeof detail === 'string' && detail !== '' ? detail : null
}
