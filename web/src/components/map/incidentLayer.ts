// Incidents as a layer of the one map: open, located incidents of the caller's inbox as GeoJSON
// (`GET /api/v1/incidents/geojson`), coloured by due level; a click opens the incident.
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'

import { api } from '@/api/client'

export const INCIDENT_LAYER = 'incidents-circle'

/** Adds the source and layer once the style is loaded; `open(id)` is called on a click. */
export function addIncidentLayer(map: MapLibreMap, open: (id: number) => void): void {
  map.on('load', async () => {
    map.addSource('incidents', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
    map.addLayer({
      id: INCIDENT_LAYER,
      type: 'circle',
      source: 'incidents',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 4, 16, 9],
        'circle-color': ['step', ['get', 'alert_level'], '#2563eb', 1, '#f59e0b', 2, '#dc2626'],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    })
    map.on('click', INCIDENT_LAYER, (event) => {
      const id = event.features?.[0]?.properties?.id
      if (typeof id === 'number') open(id)
    })
    map.on('mouseenter', INCIDENT_LAYER, () => (map.getCanvas().style.cursor = 'pointer'))
    map.on('mouseleave', INCIDENT_LAYER, () => (map.getCanvas().style.cursor = ''))
    const { data } = await api.GET('/api/v1/incidents/geojson')
    if (data) (map.getSource('incidents') as GeoJSONSource | undefined)?.setData(data as Parameters<GeoJSONSource['setData']>[0])
  })
}
