// GeoJSON for the workbench map: the drawn ring and the bounds of a trajectory.
import { LngLatBounds } from 'maplibre-gl'

import type { LonLat, TrajectoryCollection } from './types'

export const EMPTY: TrajectoryCollection = { type: 'FeatureCollection', features: [] }

/** The ring being drawn (a line and its vertices) or a closed polygon. */
export function drawingData(ring: LonLat[], closed: boolean): TrajectoryCollection {
  const vertices = ring.map((c) => ({ type: 'Feature' as const, geometry: { type: 'Point', coordinates: c }, properties: {} }))
  if (ring.length < 2) return { type: 'FeatureCollection', features: vertices }
  const shape =
    closed && ring.length >= 3
      ? { type: 'Polygon', coordinates: [[...ring, ring[0]]] }
      : { type: 'LineString', coordinates: ring }
  return { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: shape, properties: {} }, ...vertices] }
}

/** The bounds of the located passes of a trajectory, or null. */
export function trajectoryBounds(data: TrajectoryCollection): LngLatBounds | null {
  const points = data.features
    .filter((f) => f.properties.kind === 'pass' && Array.isArray(f.geometry.coordinates))
    .map((f) => f.geometry.coordinates as LonLat)
  if (points.length === 0) return null
  const bounds = new LngLatBounds()
  for (const p of points) bounds.extend(p)
  return bounds
}
