// Translated labels of camera enums; unknown values are shown as they are.
import { type MessageKey, t } from '@/i18n'

function label(prefix: string, value: string, known: readonly string[]): string {
  return known.includes(value) ? t(`${prefix}.${value}` as MessageKey) : value
}

export const kindLabel = (v: string): string =>
  label('video.kind', v, ['face_capture', 'checkpoint', 'ordinary', 'traffic', 'legacy'])
export const ownerLabel = (v: string): string => label('video.owner', v, ['own', 'social'])
export const statusLabel = (v: string): string => label('video.status', v, ['online', 'offline', 'unknown'])
