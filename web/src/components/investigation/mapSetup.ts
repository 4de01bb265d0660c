// The set-up the investigation maps share: a city map without attribution or double-click zoom (a
// double click closes a drawn area), zoom buttons top left, and the load / click / double-click
// handlers of the component.
import * as maplibregl from 'maplibre-gl'

import { CITY_CENTER, MAP_STYLE } from '@/components/map/mapStyle'

export interface DrawingMapHandlers {
  load: (m: maplibregl.Map) => void
  click: (event: maplibregl.MapMouseEvent) => void
  dblclick: (event: maplibregl.MapMouseEvent) => void
}

export function createDrawingMap(container: HTMLElement, on: DrawingMapHandlers): maplibregl.Map {
  const m = new maplibregl.Map({ container, style: MAP_STYLE, center: CITY_CENTER, zoom: 10, attributionControl: false, doubleClickZoom: false })
  m.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left')
  m.on('load', () => on.load(m))
  m.on('click', on.click)
  m.on('dblclick', on.dblclick)
  return m
}
