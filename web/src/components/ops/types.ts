// Shapes of the ops API (`/api/v1/ops`), from the generated schema.
import type { components, paths } from '@/api/schema'

type S = components['schemas']

export type OnlineRate = S['OnlineRateRead']
export type Diagnosis = S['DiagnosisRead']
// by the route: the schema name `AlarmRead` is shared with the camera domain's alarms
export type Alarm = paths['/api/v1/ops/alarms']['get']['responses'][200]['content']['application/json']['items'][number]
export type WorkOrder = S['WorkOrderRead']
export type CameraHealthCollection = S['CameraHealthCollection']
export type Dimension = 'district' | 'department' | 'owner'
export type AlarmState = 'active' | 'acknowledged' | 'cleared'
export type OrderState = 'open' | 'responded' | 'closed' | 'cancelled'

export const DIMENSIONS: readonly Dimension[] = ['district', 'department', 'owner']
export const ALARM_STATES: readonly AlarmState[] = ['active', 'acknowledged', 'cleared']
export const ORDER_STATES: readonly OrderState[] = ['open', 'responded', 'closed', 'cancelled']
