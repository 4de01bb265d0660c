// Types of the video pages, from the generated API schema.
import type { components } from '@/api/schema'

export type Camera = components['schemas']['ChannelRead']
export type TreeNode = components['schemas']['TreeNode']
export type Segment = components['schemas']['SegmentRead']
export type Peer = components['schemas']['PeerRead']
export type Grant = components['schemas']['GrantRead']
export type Right = 'live' | 'playback' | 'snapshot' | 'export'
export const RIGHTS: readonly Right[] = ['live', 'playback', 'snapshot', 'export']
export const KINDS = ['face_capture', 'checkpoint', 'ordinary', 'traffic', 'legacy'] as const
export const OWNERS = ['own', 'social'] as const
export const STATUSES = ['online', 'offline', 'unknown'] as const

/** What a click in the catalog tree narrows the camera search to. */
export interface CatalogScope {
  name: string
  region?: string
  orgUnitId?: number
  nodeId?: string
}

/** Width of the significant region code per level: district 6, town 9, community 12 digits. */
export const REGION_WIDTH: Record<string, number> = { district: 6, town: 9, community: 12 }
