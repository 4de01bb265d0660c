import type { components } from '@/api/schema'

export type AuditEntry = components['schemas']['AuditEntryRead']
export type VerifyResult = components['schemas']['VerifyRead']

/** Why the audit log is read: a purpose of at least 4 characters, or a case number. */
export interface AuditPurpose {
  purpose: string | null
  caseId: string | null
}

/** The filter bar's values; times are `<input type="datetime-local">` values (local time). */
export interface AuditFilters {
  actor: string
  action: string
  case: string
  since: string
  until: string
}

export const EMPTY_FILTERS: AuditFilters = { actor: '', action: '', case: '', since: '', until: '' }
