// Org-unit names (department keys of the online rate, contractors of work orders), loaded once.
import { ref } from 'vue'

import { api } from '@/api/client'
import { t } from '@/i18n'

const names = ref<Map<number, string>>(new Map())
let loading: Promise<void> | null = null

export function loadOrgUnits(): Promise<void> {
  loading ??= api
    .GET('/api/v1/org-units')
    .then(({ data }) => {
      if (data) names.value = new Map(data.map((u) => [u.id, u.name]))
      else loading = null
    })
    .catch(() => {
      loading = null
    })
  return loading
}

export function orgUnitName(id: number | string | null | undefined): string {
  if (id === null || id === undefined || id === '') return ''
  return names.value.get(Number(id)) ?? `#${id}`
}

/** The label of an online-rate key of a dimension (district code, org unit, owner). */
export function rateKeyLabel(dimension: string, key: string): string {
  if (key === '') return t('ops.rates.unassigned')
  if (dimension === 'department') return orgUnitName(key)
  if (dimension === 'owner') return key === 'own' ? t('ops.rates.ownOwn') : key === 'social' ? t('ops.rates.ownSocial') : key
  return key
}
