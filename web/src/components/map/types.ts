import type { components } from '@/api/schema'

export type GridDetail = components['schemas']['GridDetail']
export type GridCamera = components['schemas']['ChannelRead']
