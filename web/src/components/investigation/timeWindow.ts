// Time-window helpers: `<input type="datetime-local">` values in local time.

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** A Date as a datetime-local value (local time, minutes). */
export function toLocalInput(date: Date): string {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** The last `hours` hours up to the next minute: the default window (keeps searches narrow). */
export function lastHours(hours: number): { from: string; to: string } {
  const to = new Date(Date.now() + 60_000)
  return { from: toLocalInput(new Date(to.getTime() - hours * 3_600_000)), to: toLocalInput(to) }
}

/** A comma/space separated list of codes or ids. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,，]+/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** A GA/T 1400 time (`YYYYMMDDhhmmss`, the camera's local time) as `YYYY-MM-DD hh:mm:ss`. */
export function gaTime(text: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text)
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : text
}
