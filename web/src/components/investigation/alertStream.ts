// The live alert stream: an EventSource on the API's SSE endpoint (the session cookie authenticates it).
import { onBeforeUnmount, ref } from 'vue'

import type { AlertRaised } from './types'

export const STREAM_URL = '/api/v1/investigation/alerts/stream'

export type StreamState = 'connecting' | 'open' | 'closed'

/** Opens the stream on `connect()`; `onAlert` gets each alert as it is raised. */
export function useAlertStream(onAlert: (alert: AlertRaised) => void) {
  const state = ref<StreamState>('closed')
  let source: EventSource | null = null

  function close(): void {
    source?.close()
    source = null
    state.value = 'closed'
  }

  /** (Re)connects: the server fixes the cases a stream may see when it opens. */
  function connect(): void {
    close()
    state.value = 'connecting'
    source = new EventSource(STREAM_URL, { withCredentials: true })
    source.onopen = () => (state.value = 'open')
    source.onerror = () => (state.value = source?.readyState === EventSource.CLOSED ? 'closed' : 'connecting')
    source.addEventListener('alert', (event) => onAlert(JSON.parse((event as MessageEvent<string>).data) as AlertRaised))
  }

  onBeforeUnmount(close)
  return { state, connect, close }
}
