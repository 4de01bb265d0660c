// Photo upload: the API takes the raw bytes as the body and answers with the SHA-256 reference.
import { CSRF_COOKIE, CSRF_HEADER, problemDetail, readCookie } from '@/api/client'

export type UploadResult = { ok: true; sha256: string } | { ok: false; detail: string }

export async function uploadPhoto(file: Blob): Promise<UploadResult> {
  const headers: Record<string, string> = { 'Content-Type': file.type || 'application/octet-stream' }
  const token = readCookie(CSRF_COOKIE)
  if (token) headers[CSRF_HEADER] = token
  try {
    const response = await fetch('/api/v1/incidents/uploads', {
      method: 'POST',
      body: file,
      headers,
      credentials: 'same-origin',
    })
    const body: unknown = await response.json().catch(() => null)
    if (response.ok && typeof (body as { sha256?: unknown } | null)?.sha256 === 'string') {
      return { ok: true, sha256: (body as { sha256: string }).sha256 }
    }
    return { ok: false, detail: problemDetail(body) ?? String(response.status) }
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) }
  }
}
