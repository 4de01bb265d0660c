// State of the multi-dimensional search (多维搜车): legs of "A then B" and areas of a collision.
import type { components } from '@/api/schema'
import type { LonLat } from '@/components/investigation/types'

import { iso, newProbe, newWindow, type ProbeState, toProbe } from './tools'

export type Leg = components['schemas']['Leg']

/** One place and window: checkpoints (tollgate ids) and/or a drawn area, local datetime inputs. */
export interface LegState {
  tollgates: string[]
  polygon: LonLat[] | null
  time_from: string
  time_to: string
}

export function newLeg(polygon: LonLat[] | null = null): LegState {
  return { tollgates: [], polygon, ...newWindow(24) }
}

export function toLeg(leg: LegState): Leg {
  const place = { tollgates: leg.tollgates, ...(leg.polygon ? { polygon: leg.polygon } : {}) }
  return { place, time_from: iso(leg.time_from) ?? '', time_to: iso(leg.time_to) ?? '' }
}

/** Add or remove a checkpoint of a leg. */
export function toggleTollgate(leg: LegState, id: string): void {
  leg.tollgates = leg.tollgates.includes(id) ? leg.tollgates.filter((x) => x !== id) : [...leg.tollgates, id]
}

/** The window covering every leg (for the trajectory of a plate found). */
export function span(legs: LegState[]): { from: string; to: string } {
  const froms = legs.map((l) => l.time_from).filter(Boolean).sort()
  const tos = legs.map((l) => l.time_to).filter(Boolean).sort()
  return { from: froms[0] ?? '', to: tos[tos.length - 1] ?? '' }
}

/** Map marks: "A" / "B" (or "AB") on the checkpoints of the two legs. */
export function marks(a: LegState, b: LegState): Record<string, string> {
  const out: Record<string, string> = {}
  for (const id of a.tollgates) out[id] = 'A'
  for (const id of b.tollgates) out[id] = (out[id] ?? '') + 'B'
  return out
}

export type Likeness = components['schemas']['Likeness']
export type LikeLegs = Likeness['legs']
/** Most similar captures considered per leg (the API's default). */
export const LIKE_K = 500

/** "Looks like" (相似车辆) of "A then B": a reference vehicle, a minimum similarity, which legs. */
export interface LikeState {
  open: boolean
  probe: ProbeState
  minPercent: number
  legs: NonNullable<LikeLegs>
}

export function newLike(): LikeState {
  return { open: false, probe: { ...newProbe(), mode: 'record' }, minPercent: 50, legs: 'both' }
}

/** The request's `like`: undefined while the section is closed, null when open without a probe. */
export function toLike(like: LikeState): Likeness | null | undefined {
  if (!like.open) return undefined
  const probe = toProbe(like.probe)
  return probe ? { probe, min_score: like.minPercent / 100, legs: like.legs, k: LIKE_K } : null
}
