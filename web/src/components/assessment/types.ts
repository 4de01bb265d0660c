import type { components } from '@/api/schema'
import { type MessageKey, t } from '@/i18n'

export type Schemas = components['schemas']
export type PlanOut = Schemas['PlanOut']
export type PlanInput = Schemas['AssessmentPlanInput']
export type IndicatorOut = Schemas['IndicatorOut']
export type ReportOut = Schemas['ReportOut']
export type ResultOut = Schemas['ResultOut']
export type ScorecardOut = Schemas['ScorecardOut']
export type ScorecardItem = Schemas['ScorecardItem']

export const SUBJECT_TYPES = ['town', 'community', 'grid', 'grid_worker', 'department', 'contractor'] as const
export const PERIOD_KINDS = ['month', 'quarter', 'year'] as const

/** The period that ended last, in the plan's kind: 2026-03, 2026-Q1 or 2026. */
export function lastPeriod(kind: string, today = new Date()): string {
  const year = today.getFullYear()
  const month = today.getMonth() + 1
  if (kind === 'year') return String(year - 1)
  if (kind === 'quarter') {
    const q = Math.floor((month - 1) / 3)
    return q === 0 ? `${year - 1}-Q4` : `${year}-Q${q}`
  }
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`
}

/** An indicator value for display: % for rates, hours for stage times. */
export function formatValue(indicator: IndicatorOut, cell: Record<string, unknown> | undefined): string {
  const value = cell?.value
  if (typeof value !== 'number') return '—'
  if (indicator.kind === 'ratio') return `${(100 * value).toFixed(1)}%`
  if (indicator.kind === 'count') return String(value)
  return `${value.toFixed(1)} h`
}

export function signed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return '—'
  const text = digits ? value.toFixed(digits) : String(value)
  return value > 0 ? `+${text}` : text
}

/** A label of one of the assessment's code lists (subjects, periods, tabs, sources). */
export function label(group: 'subjects' | 'periods' | 'tabs' | 'sources', code: string): string {
  return t(`assessment.${group}.${code}` as MessageKey)
}
