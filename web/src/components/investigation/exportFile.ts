// Exports (导出) of the active case: every pass of a feature search (CSV) or a plate's trajectory
// (CSV / GeoJSON), fetched as a Blob and saved under a name with the case number and the date.
import { computed } from 'vue'

import { api } from '@/api/client'
import type { components } from '@/api/schema'
import { can } from '@/auth/session'
import { t } from '@/i18n'

import { activeCase, caseQuery, purpose } from './caseContext'

export type TrajectoryQuery = components['schemas']['TrajectoryQuery']
export type ExportFormat = 'csv' | 'geojson'
export type ExportRequest =
  | { what: 'passes'; body: components['schemas']['PassSearch'] }
  | { what: 'trajectory'; body: TrajectoryQuery; format: ExportFormat }

/** The API wants a purpose of at least this many characters on an export. */
export const MIN_PURPOSE = 4

export const mayExport = computed(() => can('record.export'))
export const purposeGiven = computed(() => purpose.value.trim().length >= MIN_PURPOSE)

/** `passes-WEB-2026-001-20260128.csv`: what, the case number (file-safe), today's date. */
export function exportName(what: string, format: ExportFormat): string {
  const number = (activeCase.value?.number ?? 'case').replace(/[^A-Za-z0-9_.-]/g, '_')
  const d = new Date()
  const day = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`
  return `${what}-${number}-${day}.${format}`
}

/** Hand a Blob to the browser as a download. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1_000)
}

/** The refusal's `detail` and `hint` (e.g. over the row limit: narrow the search). */
function refusal(problem: unknown): string {
  const p = problem as { detail?: unknown; hint?: unknown } | undefined
  const detail = typeof p?.detail === 'string' ? p.detail : t('investigation.failed')
  return typeof p?.hint === 'string' && p.hint ? `${detail} — ${p.hint}` : detail
}

/** Fetch and save one export; the error text to show, or null once the file is handed over. */
export async function runExport(req: ExportRequest): Promise<string | null> {
  const format: ExportFormat = req.what === 'passes' ? 'csv' : req.format
  const { data, error } =
    req.what === 'passes'
      ? await api.POST('/api/v1/investigation/passes/export', { params: { query: caseQuery() }, body: req.body, parseAs: 'blob' })
      : await api.POST('/api/v1/investigation/trajectory/export', {
          params: { query: { ...caseQuery(), format } },
          body: req.body,
          parseAs: 'blob',
        })
  if (error !== undefined || !(data instanceof Blob)) return refusal(error)
  saveBlob(data, exportName(req.what, format))
  return null
}
