// HLS playback with hls.js (loaded on demand, so other pages do not carry it); Safari plays natively.
export interface Player {
  destroy(): void
}

const READY_POLL_MS = 500

/** Wait until a live playlist exists (a relay writes it after the first segment); false on timeout. */
export async function waitForPlaylist(url: string, timeoutMs: number, cancelled: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !cancelled()) {
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      if (response.ok) return true
    } catch {
      // not ready yet
    }
    await new Promise((resolve) => window.setTimeout(resolve, READY_POLL_MS))
  }
  return false
}

/** Play `url` in `video`; `onFatal` gets a short reason when playback cannot go on. */
export async function attachHls(
  video: HTMLVideoElement,
  url: string,
  onFatal: (reason: string) => void,
): Promise<Player> {
  const { default: Hls } = await import('hls.js')
  if (Hls.isSupported()) {
    const hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 4, levelLoadingMaxRetry: 4 })
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) onFatal(data.details)
    })
    hls.loadSource(url)
    hls.attachMedia(video)
    ;(window as unknown as { __xlHlsLoaded?: boolean }).__xlHlsLoaded = true
    return { destroy: () => hls.destroy() }
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url
    return {
      destroy: () => {
        video.removeAttribute('src')
        video.load()
      },
    }
  }
  onFatal('unsupported')
  return { destroy: () => {} }
}
