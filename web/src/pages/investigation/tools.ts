// Shared state and helpers of the investigation tool panels (search by image, faces, analytics,
// multi-dimensional): uploaded probes, checkpoints, a plate's trajectory, problem messages.
import { ref } from 'vue'

import { api, problemDetail } from '@/api/client'
import type { components } from '@/api/schema'
import { caseQuery } from '@/components/investigation/caseContext'
import type { TrajectoryQuery } from '@/components/investigation/exportFile'
import { lastHours, splitList } from '@/components/investigation/timeWindow'
import type { LonLat, TrajectoryCollection } from '@/components/investigation/types'
import { t } from '@/i18n'
import { localInputToIso } from '@/i18n/format'

export type Probe = components['schemas']['Probe']
export type PlateHit = components['schemas']['PlateHit']
export type SimilarItem = components['schemas']['SimilarItem']

/** A probe being chosen: an uploaded picture (base64, with a preview) or a stored record's id. */
export interface ProbeState {
  mode: 'upload' | 'record'
  image: string | null
  preview: string | null
  name: string
  recordId: string
}

export function newProbe(): ProbeState {
  return { mode: 'upload', image: null, preview: null, name: '', recordId: '' }
}

/** The API's probe, or null when nothing is chosen yet. */
export function toProbe(state: ProbeState): Probe | null {
  if (state.mode === 'upload') return state.image ? { image: state.image } : null
  const id = state.recordId.trim()
  return id ? { record_id: id } : null
}

/** A file as base64 without the data-URL prefix, and the data URL for a preview. */
export function readFile(file: File): Promise<{ base64: string; dataUrl: string }> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => {
      const dataUrl = String(reader.result)
      resolve({ base64: dataUrl.slice(dataUrl.indexOf(',') + 1), dataUrl })
    }
    reader.onerror = () => reject(reader.error ?? new Error('read failed'))
    reader.readAsDataURL(file)
  })
}

/** The text of an API refusal: its `detail`, then its `hint` when it has one. */
export function problemText(problem: unknown): string {
  const detail = problemDetail(problem) ?? t('investigation.failed')
  const hint = (problem as { hint?: unknown } | undefined)?.hint
  return typeof hint === 'string' && hint ? `${detail} — ${hint}` : detail
}

/** A time window as two datetime-local values (the last `hours` hours by default). */
export function newWindow(hours = 24): { time_from: string; time_to: string } {
  const w = lastHours(hours)
  return { time_from: w.from, time_to: w.to }
}

/** The ISO (UTC) form of a datetime-local value, '' → null. */
export const iso = (value: string): string | null => localInputToIso(value)

export const percent = (score: number): string => `${(score * 100).toFixed(1)}%`

/** A checkpoint (卡口) the caller may see: its tollgate id, a name and, when located, where. */
export interface Checkpoint {
  id: string
  name: string
  at: LonLat | null
}

export const checkpoints = ref<Checkpoint[]>([])

/** The checkpoints from the caller's visible checkpoint cameras (one per tollgate). */
export async function loadCheckpoints(): Promise<void> {
  const { data } = await api.GET('/api/v1/cameras', { params: { query: { kind: 'checkpoint', limit: 500 } } })
  const byId = new Map<string, Checkpoint>()
  for (const c of data?.items ?? []) {
    if (!c.tollgate_id || byId.has(c.tollgate_id)) continue
    const at: LonLat | null = c.longitude != null && c.latitude != null ? [c.longitude, c.latitude] : null
    byId.set(c.tollgate_id, { id: c.tollgate_id, name: c.name, at })
  }
  checkpoints.value = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name))
}

export function checkpointName(id: string): string {
  return checkpoints.value.find((c) => c.id === id)?.name ?? id
}

/** One plate's trajectory over a window, for the map and the pass list. */
export function useTrajectory() {
  const plate = ref<string | null>(null)
  const data = ref<TrajectoryCollection | null>(null)
  const query = ref<TrajectoryQuery | null>(null)
  const error = ref<string | null>(null)

  async function open(hit: PlateHit, from: string, to: string): Promise<void> {
    plate.value = hit.plate_no
    error.value = null
    const body = { plate: hit.plate_no, plate_color: hit.plate_color || null, time_from: iso(from), time_to: iso(to), gap_minutes: 30 }
    query.value = body
    const { data: found, error: problem } = await api.POST('/api/v1/investigation/trajectory', { params: { query: caseQuery() }, body })
    if (problem || !found) error.value = problemText(problem)
    data.value = (found as unknown as TrajectoryCollection | undefined) ?? null
  }

  return { plate, data, query, error, open }
}

export type VehicleFeatures = components['schemas']['VehicleFeatures']

/** Features a similar capture must also have (以图搜车 + 特征): a plate pattern and comma lists of codes. */
export interface FeatureState {
  plate: string
  plate_colors: string
  vehicle_colors: string
  vehicle_classes: string
  vehicle_brands: string
  directions: string
}

export const FEATURE_LISTS = ['plate_colors', 'vehicle_colors', 'vehicle_classes', 'vehicle_brands', 'directions'] as const

export function newFeatures(): FeatureState {
  return { plate: '', plate_colors: '', vehicle_colors: '', vehicle_classes: '', vehicle_brands: '', directions: '' }
}

/** The request's `features`, or null when none is given. */
export function toFeatures(f: FeatureState): VehicleFeatures | null {
  const out: VehicleFeatures = { plate: f.plate.trim() || null }
  for (const key of FEATURE_LISTS) out[key] = splitList(f[key])
  return out.plate || FEATURE_LISTS.some((k) => out[k]?.length) ? out : null
}
