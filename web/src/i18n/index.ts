// A tiny typed i18n: one reactive locale, message keys checked by the compiler.
import { ref } from 'vue'

import { en } from './en'
import { type Locale, LOCALES, type MessageKey, type Messages } from './types'
import { zhCN } from './zh-CN'

export type { Locale, MessageKey } from './types'
export { LOCALES } from './types'

const STORAGE_KEY = 'xl.locale'
const catalogues: Record<Locale, Messages> = { 'zh-CN': zhCN, en }

/** Each locale's own name, shown in the switch whatever the current locale. */
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '中文', en: 'English' }

function isLocale(value: unknown): value is Locale {
  return (LOCALES as readonly unknown[]).includes(value)
}

function storedLocale(): Locale {
  const value = window.localStorage.getItem(STORAGE_KEY)
  return isLocale(value) ? value : 'zh-CN'
}

export const locale = ref<Locale>(storedLocale())
document.documentElement.lang = locale.value

export function setLocale(next: Locale): void {
  locale.value = next
  window.localStorage.setItem(STORAGE_KEY, next)
  document.documentElement.lang = next
}

function lookup(messages: Messages, key: MessageKey): string {
  let node: unknown = messages
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part]
  return typeof node === 'string' ? node : key
}

/** Translate `key` in the current locale, filling `{name}` placeholders from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = lookup(catalogues[locale.value], key)
  return text.replace(/\{(\w+)\}/g, (match, name: string) => String(params[name] ?? match))
}

/** Translate a role name, falling back to the raw role for roles this UI does not know yet. */
export function roleName(role: string): string {
  const roles = catalogues[locale.value].role as Record<string, string>
  return roles[role] ?? role
}
