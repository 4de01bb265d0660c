// The org-unit list in tree order (parents before their children), with each unit's depth.
import type { components } from '@/api/schema'

type OrgUnitRead = components['schemas']['OrgUnitRead']

export interface OrgUnitNode {
  unit: OrgUnitRead
  depth: number
}

export function orgUnitTree(units: readonly OrgUnitRead[]): OrgUnitNode[] {
  const ids = new Set(units.map((u) => u.id))
  const children = new Map<number | null, OrgUnitRead[]>()
  for (const unit of units) {
    const parent = unit.parent_id !== null && ids.has(unit.parent_id) ? unit.parent_id : null
    children.set(parent, [...(children.get(parent) ?? []), unit])
  }
  const out: OrgUnitNode[] = []
  const seen = new Set<number>()
  const walk = (parent: number | null, depth: number): void => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.code.localeCompare(b.code))
    for (const unit of list) {
      if (seen.has(unit.id)) continue
      seen.add(unit.id)
      out.push({ unit, depth })
      walk(unit.id, depth + 1)
    }
  }
  walk(null, 0)
  return out
}

export function orgUnitLabel(units: readonly OrgUnitRead[], id: number | null): string | null {
  if (id === null) return null
  const unit = units.find((u) => u.id === id)
  return unit ? unit.name : `#${id}`
}
