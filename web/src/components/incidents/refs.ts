// Categories and org units, loaded once per page load and shared by the incident pages.
import { ref } from 'vue'

import { api } from '@/api/client'

import type { Category, OrgUnit } from './types'

export const categories = ref<Category[]>([])
export const orgUnits = ref<OrgUnit[]>([])
let loading: Promise<void> | null = null

export function loadRefs(): Promise<void> {
  loading ??= (async () => {
    const [cats, units] = await Promise.all([api.GET('/api/v1/incidents/categories'), api.GET('/api/v1/org-units')])
    categories.value = cats.data ?? []
    orgUnits.value = units.data ?? []
    if (!cats.data || !units.data) loading = null // try again next time
  })().catch(() => {
    loading = null
  })
  return loading
}

export function categoryName(code: string): string {
  return categories.value.find((c) => c.code === code)?.name ?? code
}

export function orgUnitName(id: number | null | undefined): string {
  if (id === null || id === undefined) return ''
  return orgUnits.value.find((u) => u.id === id)?.name ?? `#${id}`
}
