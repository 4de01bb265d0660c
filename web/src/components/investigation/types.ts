// Types of the investigation workbench, from the generated API schema.
import type { components } from '@/api/schema'

type Schemas = components['schemas']
export type CaseRead = Schemas['CaseRead']
export type PassItem = Schemas['PassItem']
export type PassPage = Schemas['PassPage']
export type PassSearch = Schemas['PassSearch']
export type FacetCount = Schemas['FacetCount']
export type SimilarItem = Schemas['SimilarItem']
export type DispositionRead = Schemas['DispositionRead']
export type DispositionCreate = Schemas['DispositionCreate']
export type AlertRead = Schemas['AlertRead']

export type LonLat = [number, number]

/** Facet fields of `PassPage.facets` and the search fields they filter. */
export const FACET_FIELDS = {
  plate_color: 'plate_colors',
  vehicle_color: 'vehicle_colors',
  vehicle_class: 'vehicle_classes',
  vehicle_brand: 'vehicle_brands',
  tollgate_id: 'tollgates',
} as const
export type FacetField = keyof typeof FACET_FIELDS

/** One pass of a trajectory (a `kind: pass` Point feature of `POST /trajectory`). */
export interface TrajectoryPass {
  object_id: string
  time: string
  tollgate_id: string
  name: string
  direction: string
  speed: number | null
  gap_before: boolean
  located: boolean
}

/** A trajectory answer: a GeoJSON FeatureCollection (segments, gaps, passes). */
export interface TrajectoryCollection {
  type: 'FeatureCollection'
  features: { type: 'Feature'; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }[]
  properties?: { passes: number; located: number }
}

/** An alert as the SSE stream sends it (`event: alert`, the bus's `AlertRaised`). */
export interface AlertRaised {
  alert_id: number
  disposition_id: number
  case_pk: number
  object_id: string
  record_kind: string
  match: string
  score: number
  observed: string
  device_id: string
  tollgate_id: string
  event_time: string
}
