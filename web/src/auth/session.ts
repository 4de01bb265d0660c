// The current user, shared by the router guard and the components.
import { computed, reactive } from 'vue'

import { api, type Problem, type UserRead } from '@/api/client'

interface SessionState {
  user: UserRead | null
  /** Whether /auth/me has been asked once since the page loaded. */
  checked: boolean
}

export const session = reactive<SessionState>({ user: null, checked: false })

export const currentUser = computed(() => session.user)

export function can(permission: string): boolean {
  return session.user?.permissions.includes(permission) ?? false
}

/** Loads the user behind the session cookie, once per page load. */
export async function ensureSession(): Promise<UserRead | null> {
  if (session.checked) return session.user
  try {
    const { data } = await api.GET('/api/v1/auth/me')
    session.user = data ?? null
    session.checked = true
  } catch {
    session.user = null // server unreachable: treat as logged out, ask again on the next navigation
  }
  return session.user
}

export type LoginResult =
  | { ok: true; user: UserRead }
  | { ok: false; status: number; problem: Partial<Problem> | null; retryAfter: number | null }

export async function login(username: string, password: string): Promise<LoginResult> {
  const { data, error, response } = await api.POST('/api/v1/auth/login', {
    body: { username, password },
  })
  if (data) {
    session.user = data
    session.checked = true
    return { ok: true, user: data }
  }
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10)
  return {
    ok: false,
    status: response.status,
    problem: (error as Partial<Problem> | undefined) ?? null,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
  }
}

export async function logout(): Promise<void> {
  try {
    await api.POST('/api/v1/auth/logout')
  } finally {
    forgetSession()
  }
}

/** Drops the user locally (after logout, or when the API says the session is gone). */
export function forgetSession(): void {
  session.user = null
  session.checked = true
}
