// Labels of the API's enumerations (raw values of unknown members are shown as they are).
import { t, type MessageKey } from '@/i18n'

const MATCH: Record<string, MessageKey> = {
  exact: 'investigation.alerts.kind.exact',
  fuzzy: 'investigation.alerts.kind.fuzzy',
  face: 'investigation.alerts.kind.face',
}
const STATUS: Record<string, MessageKey> = {
  pending: 'investigation.dispositions.status.pending',
  active: 'investigation.dispositions.status.active',
  rejected: 'investigation.dispositions.status.rejected',
  revoked: 'investigation.dispositions.status.revoked',
  expired: 'investigation.dispositions.status.expired',
}
const REVIEW: Record<string, MessageKey> = {
  confirmed: 'investigation.alerts.reviewed.confirmed',
  false_positive: 'investigation.alerts.reviewed.false_positive',
}

function label(table: Record<string, MessageKey>, value: string): string {
  const key = table[value]
  return key ? t(key) : value
}

export const matchLabel = (value: string): string => label(MATCH, value)
export const statusLabel = (value: string): string => label(STATUS, value)
export const reviewLabel = (value: string): string => label(REVIEW, value)

export function statusTone(status: string): string {
  return { pending: 'warn', active: 'ok', rejected: 'danger' }[status] ?? ''
}
