// Types and tables of the incident pages: schema aliases, inbox tabs, the extra fields of each action.
import type { components, operations } from '@/api/schema'
import type { MessageKey } from '@/i18n'

export type IncidentOut = components['schemas']['IncidentOut']
export type IncidentDetail = components['schemas']['IncidentDetail']
export type IncidentEvent = components['schemas']['EventOut']
export type IncidentStage = components['schemas']['StageOut']
export type Approval = components['schemas']['ApprovalOut']
export type Category = components['schemas']['CategoryOut']
export type OrgUnit = components['schemas']['OrgUnitRead']
export type ActionName = components['schemas']['Action']
export type ActionInput = components['schemas']['ActionInput']
export type Satisfaction = components['schemas']['Satisfaction']
export type TimeUnit = components['schemas']['TimeUnit']
export type Urgency = components['schemas']['Urgency']
export type InboxQuery = NonNullable<operations['list_incidents_api_v1_incidents_get']['parameters']['query']>

export const SATISFACTIONS: readonly Satisfaction[] = ['satisfied', 'basically_satisfied', 'unsatisfied', 'no_answer']
export const TIME_UNITS: readonly TimeUnit[] = ['working_days', 'working_hours', 'natural_hours']
export const URGENCIES: readonly Urgency[] = ['normal', 'urgent', 'emergency']

export interface InboxTab {
  name: string
  label: MessageKey
  /** Shown to holders of this permission (every signed-in user when absent). */
  permission?: string
  query: InboxQuery
}

/** The inbox of each role, as filters of `GET /api/v1/incidents`. */
export const INBOX_TABS: readonly InboxTab[] = [
  { name: 'all', label: 'incidents.tabs.all', query: {} },
  { name: 'mine', label: 'incidents.tabs.mine', permission: 'incident.report', query: { mine: true } },
  { name: 'accept', label: 'incidents.tabs.accept', permission: 'incident.dispatch', query: { state: 'reported' } },
  { name: 'dispatch', label: 'incidents.tabs.dispatch', permission: 'incident.dispatch', query: { state: 'accepted' } },
  { name: 'sign', label: 'incidents.tabs.sign', permission: 'incident.handle', query: { state: 'dispatched' } },
  { name: 'handle', label: 'incidents.tabs.handle', permission: 'incident.handle', query: { state: 'in_progress' } },
  { name: 'verify', label: 'incidents.tabs.verify', permission: 'incident.verify', query: { state: 'handled' } },
  { name: 'callback', label: 'incidents.tabs.callback', permission: 'incident.verify', query: { state: 'callback' } },
  { name: 'supervised', label: 'incidents.tabs.supervised', permission: 'incident.dispatch', query: { supervised: true } },
  { name: 'warning', label: 'incidents.tabs.warning', query: { alert: 1 } },
  { name: 'overdue', label: 'incidents.tabs.overdue', query: { alert: 2 } },
]

/** Actions that change nothing unless the caller explains why: the opinion is required. */
export const OPINION_REQUIRED: ReadonlySet<ActionName> = new Set<ActionName>([
  'reject',
  'answer',
  'recall',
  'request_return',
  'request_extension',
  'request_suspend',
  'deny',
  'verify_fail',
  'void',
  'reopen',
  'supervise',
])

/** Actions shown as a warning (red) button. */
export const DANGER_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>(['reject', 'void', 'verify_fail', 'deny'])

/** Due level of an incident: the sweep's alert level, or overdue as soon as the running due has passed. */
export function dueLevel(incident: Pick<IncidentOut, 'alert_level' | 'clock_due_at'>, now = Date.now()): number {
  const due = incident.clock_due_at ? new Date(incident.clock_due_at).getTime() : Number.NaN
  return Math.max(incident.alert_level, !Number.isNaN(due) && due < now ? 2 : 0)
}

export function photoUrl(incidentId: number, sha: string): string {
  return `/api/v1/incidents/${incidentId}/photos/${sha}`
}
