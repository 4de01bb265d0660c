// Display texts of the ops codes (faults, states, sources); unknown codes show as they are.
import { t, type MessageKey } from '@/i18n'

const FAULTS: Record<string, MessageKey> = {
  blur: 'ops.fault.blur',
  too_dark: 'ops.fault.too_dark',
  too_bright: 'ops.fault.too_bright',
  low_contrast: 'ops.fault.low_contrast',
  color_cast: 'ops.fault.color_cast',
  no_color: 'ops.fault.no_color',
  occlusion: 'ops.fault.occlusion',
  noise: 'ops.fault.noise',
  stripes: 'ops.fault.stripes',
  frozen: 'ops.fault.frozen',
  scene_change: 'ops.fault.scene_change',
  signal_loss: 'ops.fault.signal_loss',
}

const ALARM_KINDS: Record<string, MessageKey> = {
  offline: 'ops.alarmKind.offline',
  quality: 'ops.alarmKind.quality',
  storage: 'ops.alarmKind.storage',
  admission: 'ops.alarmKind.admission',
}

const STATES: Record<string, MessageKey> = {
  active: 'ops.state.active',
  acknowledged: 'ops.state.acknowledged',
  cleared: 'ops.state.cleared',
  open: 'ops.state.open',
  responded: 'ops.state.responded',
  closed: 'ops.state.closed',
  cancelled: 'ops.state.cancelled',
  online: 'ops.state.online',
  offline: 'ops.state.offline',
  faulty: 'ops.state.faulty',
  unknown: 'ops.state.unknown',
}

const STATE_TONES: Record<string, string> = {
  active: 'danger',
  acknowledged: 'warn',
  cleared: 'ok',
  open: 'danger',
  responded: 'warn',
  closed: 'ok',
  online: 'ok',
  offline: 'danger',
  faulty: 'warn',
}

function label(table: Record<string, MessageKey>, code: string): string {
  const key = table[code]
  return key ? t(key) : code
}

export const faultLabel = (code: string): string => label(FAULTS, code)
export const alarmKindLabel = (code: string): string => label(ALARM_KINDS, code)
export const stateLabel = (code: string): string => label(STATES, code)
export const stateTone = (code: string): string => STATE_TONES[code] ?? ''

/** A share 0…1 as a percentage with one decimal; '—' for null. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`
}

/** The `YYYY-MM-DD` of a date `daysBack` days before today (local calendar). */
export function isoDay(daysBack = 0): string {
  const d = new Date()
  d.setDate(d.getDate() - daysBack)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}
