// The one map's style: only this platform's own vector tiles, no base map, no glyphs, no sprite,
// so the browser makes no request off the machine (labels would need a glyph server: omitted).
import type { StyleSpecification } from 'maplibre-gl'

function tiles(layer: string): string[] {
  return [`${window.location.origin}/api/v1/tiles/${layer}/{z}/{x}/{y}.mvt`]
}

export const CITY_CENTER: [number, number] = [112.42, 28.54]

export const MAP_STYLE: StyleSpecification = {
  version: 8,
  sources: {
    regions: { type: 'vector', tiles: tiles('regions'), minzoom: 0, maxzoom: 16 },
    grids: { type: 'vector', tiles: tiles('grids'), minzoom: 9, maxzoom: 16 },
    buildings: { type: 'vector', tiles: tiles('buildings'), minzoom: 13, maxzoom: 17 },
  },
  layers: [
    { id: 'background', type: 'background', paint: { 'background-color': '#f3f4f1' } },
    {
      id: 'regions-line',
      type: 'line',
      source: 'regions',
      'source-layer': 'regions',
      paint: { 'line-color': '#6b7280', 'line-width': ['match', ['get', 'level'], 'district', 2, 'town', 1.2, 0.6] },
    },
    {
      id: 'grids-fill',
      type: 'fill',
      source: 'grids',
      'source-layer': 'grids',
      paint: {
        'fill-color': ['case', ['boolean', ['feature-state', 'selected'], false], '#f59e0b', '#2563eb'],
        'fill-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 0.35, 0.08],
      },
    },
    {
      id: 'grids-line',
      type: 'line',
      source: 'grids',
      'source-layer': 'grids',
      paint: { 'line-color': '#2563eb', 'line-width': 0.8 },
    },
    {
      id: 'buildings-3d',
      type: 'fill-extrusion',
      source: 'buildings',
      'source-layer': 'buildings',
      minzoom: 13,
      paint: {
        'fill-extrusion-color': ['interpolate', ['linear'], ['get', 'floors'], 1, '#d6d3d1', 10, '#a8a29e', 30, '#78716c'],
        'fill-extrusion-height': ['*', ['get', 'floors'], 3],
        'fill-extrusion-opacity': 0.85,
      },
    },
  ],
}
