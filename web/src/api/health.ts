// /healthz lives outside /api/v1 and may be left out of the OpenAPI document, so it has its own call.
export interface Health {
  status: string
  database: string
}

export async function fetchHealth(): Promise<Health | null> {
  try {
    const response = await fetch('/healthz', { headers: { Accept: 'application/json' } })
    if (!response.ok) return null
    return (await response.json()) as Health
  } catch {
    return null
  }
}
