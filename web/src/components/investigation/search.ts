// The feature search (特征搜车) of the workbench: form state, the request, paging and facet filters.
import { reactive, ref } from 'vue'

import { api, problemDetail } from '@/api/client'
import { t } from '@/i18n'
import { localInputToIso } from '@/i18n/format'

import { caseQuery } from './caseContext'
import { lastHours, splitList } from './timeWindow'
import { FACET_FIELDS, type FacetField, type LonLat, type PassPage, type PassSearch } from './types'

export const PAGE_SIZE = 24
export const SORTS = ['event_time', 'plate_no', 'tollgate_id', 'speed'] as const

export interface SearchForm {
  plate: string
  plate_colors: string
  vehicle_colors: string
  vehicle_classes: string
  vehicle_brands: string
  directions: string
  tollgates: string
  polygon: LonLat[] | null
  time_from: string
  time_to: string
  sort: (typeof SORTS)[number]
  descending: boolean
}

export function newForm(): SearchForm {
  const window = lastHours(24)
  return {
    plate: '', plate_colors: '', vehicle_colors: '', vehicle_classes: '', vehicle_brands: '', directions: '',
    tollgates: '', polygon: null, time_from: window.from, time_to: window.to, sort: 'event_time', descending: true,
  }
}

export function toBody(form: SearchForm, offset: number): PassSearch {
  const place = { tollgates: splitList(form.tollgates), ...(form.polygon ? { polygon: form.polygon } : {}) }
  return {
    plate: form.plate.trim() || null,
    plate_colors: splitList(form.plate_colors),
    vehicle_colors: splitList(form.vehicle_colors),
    vehicle_classes: splitList(form.vehicle_classes),
    vehicle_brands: splitList(form.vehicle_brands),
    directions: splitList(form.directions),
    place,
    time_from: localInputToIso(form.time_from),
    time_to: localInputToIso(form.time_to),
    sort: form.sort,
    descending: form.descending,
    offset,
    limit: PAGE_SIZE,
    facets: true,
  }
}

/** Toggle one facet value in the form's comma list of its field. */
export function toggleFacet(form: SearchForm, field: FacetField, value: string): void {
  const key = FACET_FIELDS[field]
  const values = splitList(form[key])
  const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value]
  form[key] = next.join(',')
}

export function useSearch() {
  const form = reactive<SearchForm>(newForm())
  const page = ref<PassPage | null>(null)
  const error = ref<string | null>(null)
  const hint = ref<string | null>(null)
  const busy = ref(false)

  async function run(offset = 0): Promise<void> {
    busy.value = true
    error.value = hint.value = null
    const { data, error: problem } = await api.POST('/api/v1/investigation/passes/search', {
      params: { query: caseQuery() },
      body: toBody(form, offset),
    })
    busy.value = false
    if (problem || !data) {
      error.value = problemDetail(problem) ?? t('investigation.failed')
      const given = (problem as { hint?: unknown } | undefined)?.hint
      hint.value = typeof given === 'string' ? given : null
      return
    }
    page.value = data
  }

  return { form, page, error, hint, busy, run }
}
