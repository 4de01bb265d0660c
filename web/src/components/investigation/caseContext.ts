// The case every look-up of the workbench is made for: its number goes with each request as
// `case_id`, with the purpose text (the API answers 400 without a case, 403 for a non-member).
import { computed, ref } from 'vue'

import type { CaseRead } from './types'

export const activeCase = ref<CaseRead | null>(null)
export const purpose = ref('')

export const hasCase = computed(() => activeCase.value !== null)

/** The `case_id` / `purpose` query parameters of a look-up. */
export function caseQuery(): { case_id: string; purpose?: string } {
  const number = activeCase.value?.number ?? ''
  const why = purpose.value.trim()
  return why ? { case_id: number, purpose: why } : { case_id: number }
}

/** The URL of a record's thumbnail for the active case (an <img> cannot send headers). */
export function thumbnailUrl(objectId: string, kind: 'motor_vehicle' | 'face' = 'motor_vehicle'): string {
  const query = new URLSearchParams(caseQuery()).toString()
  return `/api/v1/investigation/records/${kind}/${objectId}/thumbnail?${query}`
}
