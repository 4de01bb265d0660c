// Field errors of a problem+json body: `errors: [{field, message}]` (422), or `field` + `detail`
// (a conflict such as a taken username), keyed by the first segment of the field name.
export type FieldErrors = Record<string, string>

interface ErrorItem {
  field?: unknown
  message?: unknown
}

export function fieldErrors(error: unknown): FieldErrors {
  const found: FieldErrors = {}
  if (typeof error !== 'object' || error === null) return found
  const body = error as { errors?: unknown; field?: unknown; detail?: unknown }
  if (Array.isArray(body.errors)) {
    for (const item of body.errors as ErrorItem[]) {
      if (typeof item?.field !== 'string' || typeof item.message !== 'string') continue
      const key = item.field.split('.')[0] ?? item.field
      found[key] ??= item.message
    }
  }
  if (typeof body.field === 'string' && typeof body.detail === 'string') found[body.field] ??= body.detail
  return found
}
