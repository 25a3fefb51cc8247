/** A weekly deny window in which promotions to an environment are refused. */
export interface FreezeWindow {
  /** Why, shown in the refusal. */
  readonly reason: string;
  /** IANA time zone of the times below, e.g. 'Europe/Berlin'. */
  readonly timeZone: string;
  /** Days of the week (0 = Sunday) on which the window starts; every day when empty. */
  readonly days?: readonly number[];
  /** 'HH:MM' start, in timeZone. */
  readonly start: string;
  /** 'HH:MM' end, in timeZone; an end before the start runs into the next day. */
  readonly end: string;
  /**
   * Whether rollbacks are refused inside the window too. A rollback is what an incident during a
   * freeze needs, so by default it passes and its commit records the window (Freeze-Exempt).
   * @default false
   */
  readonly appliesToRollbacks?: boolean;
}

/** Whether `window` stops a change of this kind: promotions always, rollbacks only with appliesToRollbacks. */
export function freezes(window: FreezeWindow, kind: 'promotion' | 'rollback'): boolean {
  return kind === 'promotion' || window.appliesToRollbacks === true;
}

/** The window `now` falls in that a rollback is exempt from, if any. */
export function freezeExemptionOf(windows: readonly FreezeWindow[], now: Date): FreezeWindow | undefined {
  return windows.find((w) => !freezes(w, 'rollback') && inFreezeWindow(w, now));
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Throws unless the window is well formed: a known IANA time zone, HH:MM times, days 0..6. */
export function checkFreezeWindow(window: FreezeWindow, where: string): void {
  if (typeof window.reason !== 'string' || window.reason.trim() === '') throw new Error(`${where}: 'reason' must say why promotions are frozen`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: window.timeZone });
  } catch {
    throw new Error(`${where}: 'timeZone' ${JSON.stringify(window.timeZone)} is not an IANA time zone; allowed: names like 'Europe/Berlin' or 'UTC'`);
  }
  for (const key of ['start', 'end'] as const) {
    if (typeof window[key] !== 'string' || !HH_MM.test(window[key])) {
      throw new Error(`${where}: '${key}' ${JSON.stringify(window[key])} is not a time; allowed: 'HH:MM' from 00:00 to 23:59`);
    }
  }
  if (window.appliesToRollbacks !== undefined && typeof window.appliesToRollbacks !== 'boolean') {
    throw new Error(`${where}: 'appliesToRollbacks' ${JSON.stringify(window.appliesToRollbacks)} must be true or false`);
  }
  for (const day of window.days ?? []) {
    if (!Number.isInteger(day) || day < 0 || day > 6) throw new Error(`${where}: 'days' holds ${JSON.stringify(day)}; allowed: 0 (Sunday) to 6 (Saturday)`);
  }
}

/** Weekday (0 = Sunday), minutes since midnight and a readable form of `date` in `timeZone`. */
export function zonedTime(date: Date, timeZone: string): { day: number; minutes: number; text: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = WEEKDAYS.indexOf(get('weekday') as (typeof WEEKDAYS)[number]);
  const hour = Number(get('hour')) % 24;
  const minute = Number(get('minute'));
  return { day, minutes: hour * 60 + minute, text: `${WEEKDAYS[day]} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}` };
}

/** Whether `date` falls inside the window; an end before the start runs into the next day, an end equal to the start covers the whole day. */
export function inFreezeWindow(window: FreezeWindow, date: Date): boolean {
  const { day, minutes } = zonedTime(date, window.timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  const days = window.days ?? [];
  const on = (d: number) => days.length === 0 || days.includes(d);
  if (start < end) return on(day) && minutes >= start && minutes < end;
  if (start === end) return on(day);
  return (on(day) && minutes >= start) || (on((day + 6) % 7) && minutes < end);
}

/** "Fri 16:00–Mon 06:00 Europe/Berlin" style description. */
export function describeFreezeWindow(window: FreezeWindow): string {
  const days = window.days ?? [];
  const dayText = days.length === 0 ? 'daily' : days.map((d) => WEEKDAYS[d]).join(',');
  return `${dayText} ${window.start}-${window.end} ${window.timeZone}`;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}
