// Translated names of the incident codes; an unknown code (a newer backend) is shown as is.
import { type MessageKey, t } from '@/i18n'

type Section = 'state' | 'action' | 'source' | 'urgency' | 'stage' | 'satisfaction' | 'unit' | 'approvalKind'

export function label(section: Section, code: string | null | undefined): string {
  if (!code) return ''
  const key = `incidents.${section}.${code}` as MessageKey
  const text = t(key)
  return text === key ? code : text
}
