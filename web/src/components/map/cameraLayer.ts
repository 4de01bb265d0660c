// Cameras as a layer of the one map. Where surveillance cameras stand is itself sensitive, so this
// is not a shared vector tile: `GET /api/v1/grid/map/cameras` answers, per user, only the cameras
// camera.access lets that user see (scopes and grants), as GeoJSON. A click opens the live view.
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'

import { api } from '@/api/client'

export const CAMERA_LAYER = 'cameras-circle'

/** Adds the source and layer once the style is loaded; `open(channelId)` is called on a click. */
export function addCameraLayer(map: MapLibreMap, open: (channelId: string) => void): void {
  map.on('load', async () => {
    map.addSource('cameras', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
    map.addLayer({
      id: CAMERA_LAYER,
      type: 'circle',
      source: 'cameras',
      minzoom: 11,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 3, 17, 7],
        'circle-color': ['match', ['get', 'status'], 'online', '#059669', 'offline', '#9ca3af', '#0ea5e9'],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    })
    map.on('click', CAMERA_LAYER, (event) => {
      const channelId = event.features?.[0]?.properties?.channel_id
      if (typeof channelId === 'string') open(channelId)
    })
    map.on('mouseenter', CAMERA_LAYER, () => (map.getCanvas().style.cursor = 'pointer'))
    map.on('mouseleave', CAMERA_LAYER, () => (map.getCanvas().style.cursor = ''))
    const { data } = await api.GET('/api/v1/grid/map/cameras') // 403 without camera.read: no layer data
    if (data) (map.getSource('cameras') as GeoJSONSource | undefined)?.setData(data as Parameters<GeoJSONSource['setData']>[0])
  })
}
