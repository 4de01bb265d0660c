// State of the multi-dimensional search (多维搜车): legs of "A then B" and areas of a collision.
import type { components } from '@/api/schema'
import type { LonLat } from '@/components/investigation/types'

import { iso, newWindow } from './tools'

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
