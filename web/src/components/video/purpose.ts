// The purpose or case number of this session's video views. Non-public cameras need one (every
// view is audited); the user is asked once and it is kept in sessionStorage for the tab.
import { reactive, ref } from 'vue'

import type { Camera } from './types'

export interface ViewPurpose {
  purpose: string | null
  caseId: string | null
}

const KEY = 'xl.video.purpose'
export const MIN_PURPOSE_CHARS = 4

function stored(): ViewPurpose | null {
  try {
    const value = JSON.parse(window.sessionStorage.getItem(KEY) ?? 'null') as ViewPurpose | null
    return value && (value.purpose || value.caseId) ? value : null
  } catch {
    return null
  }
}

export const viewPurpose = ref<ViewPurpose | null>(stored())

export function setPurpose(next: ViewPurpose | null): void {
  viewPurpose.value = next
  if (next) window.sessionStorage.setItem(KEY, JSON.stringify(next))
  else window.sessionStorage.removeItem(KEY)
}

/** The prompt's state, shown by PurposeDialog on the video page. */
export const prompt = reactive<{ open: boolean; refusal: string | null }>({ open: false, refusal: null })
let waiting: Array<(answer: ViewPurpose | null) => void> = []

export function askPurpose(refusal: string | null = null): Promise<ViewPurpose | null> {
  prompt.open = true
  prompt.refusal = refusal
  return new Promise((resolve) => waiting.push(resolve))
}

export function answerPurpose(answer: ViewPurpose | null): void {
  if (answer) setPurpose(answer)
  prompt.open = false
  prompt.refusal = null
  const resolved = waiting
  waiting = []
  for (const resolve of resolved) resolve(answer)
}

/** The purpose to send for this camera: none for a public one (unless `always`), else the
 *  session's, asking for it once. Null when the user cancels. */
export async function purposeFor(camera: Camera, always = false): Promise<ViewPurpose | null> {
  if (camera.is_public && !always) return { purpose: null, caseId: null }
  return viewPurpose.value ?? (await askPurpose())
}

export function purposeQuery(why: ViewPurpose): { purpose?: string; case_id?: string } {
  return { purpose: why.purpose ?? undefined, case_id: why.caseId ?? undefined }
}

/** A URL query string of the purpose, for URLs handed to the player. */
export function purposeParams(why: ViewPurpose): URLSearchParams {
  const params = new URLSearchParams()
  if (why.purpose) params.set('purpose', why.purpose)
  if (why.caseId) params.set('case_id', why.caseId)
  return params
}
