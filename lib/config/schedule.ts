import { type Timeframe, timeframeMs } from '../domain/candle.js';

const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** True when `expression` is a Scheduler `rate(...)` or `cron(...)` expression tickfan accepts. */
export function isScheduleExpression(expression: string): boolean {
  return scheduleExpressionProblem(expression) === undefined;
}

/**
 * Why EventBridge Scheduler would refuse `expression` (or why it could never fire), or undefined
 * when it is a valid `rate(value unit)` or six-field `cron(...)` expression. Checked here so a
 * typo fails at synth and cold start with the field, not at deploy or never.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  if (expression.startsWith('rate(')) return rateProblem(expression);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron === null) return 'must be rate(value unit) or cron(minutes hours dom month dow year)';
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) {
    return `must have six cron fields (minutes hours day-of-month month day-of-week year), found ${fields.length}`;
  }
  return cronProblem(fields);
}

function rateProblem(expression: string): string | undefined {
  const match = rate.exec(expression);
  if (match === null) return 'must be rate(value unit) with unit minute(s), hour(s) or day(s)';
  const value = match[1] ?? '';
  const unit = match[2] ?? '';
  if (!/^[1-9]\d*$/.test(value)) return `needs a whole number of at least 1, not ${value}`;
  const plural = unit.endsWith('s');
  if (value === '1' && plural) return `takes the singular unit for 1: rate(1 ${unit.slice(0, -1)})`;
  if (value !== '1' && !plural)
    return `takes the plural unit for ${value}: rate(${value} ${unit}s)`;
  return undefined;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Wildcards beyond `,` `-` `*` that Scheduler documents for the field. */
  readonly slash: boolean;
  readonly question: boolean;
  readonly names?: readonly string[];
}

// EventBridge Scheduler's cron fields (Scheduler User Guide, "Cron-based schedules").
const cronFields: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, slash: true, question: false },
  { name: 'hours', min: 0, max: 23, slash: true, question: false },
  { name: 'day-of-month', min: 1, max: 31, slash: true, question: true },
  {
    name: 'month',
    min: 1,
    max: 12,
    slash: true,
    question: false,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    slash: false,
    question: true,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  },
  { name: 'year', min: 1970, max: 2199, slash: true, question: false },
];

function cronProblem(fields: readonly string[]): string | undefined {
  for (const [i, spec] of cronFields.entries()) {
    const problem = fieldProblem(fields[i] ?? '', spec);
    if (problem !== undefined) return `${spec.name} field ${JSON.stringify(fields[i])} ${problem}`;
  }
  const dom = fields[2] === '?';
  const dow = fields[4] === '?';
  if (dom === dow) {
    return 'needs ? in exactly one of day-of-month and day-of-week (e.g. cron(0 * * * ? *))';
  }
  return undefined;
}

function fieldProblem(field: string, spec: CronField): string | undefined {
  if (field === '?') return spec.question ? undefined : 'cannot be ? (only the day fields can)';
  if (spec.name === 'day-of-month' && /^(L|LW|\d{1,2}W)$/.test(field)) {
    return field.startsWith('L') ? undefined : valueProblem(field.slice(0, -1), spec);
  }
  if (spec.name === 'day-of-week') {
    const nth = /^(\w+)#(\d+)$/.exec(field);
    if (nth !== null) {
      const day = valueProblem(nth[1] ?? '', spec);
      if (day !== undefined) return day;
      return /^[1-5]$/.test(nth[2] ?? '') ? undefined : `has # ${nth[2]}, not 1 to 5`;
    }
    if (field.includes('#')) return 'takes # only as one day#n expression, e.g. 3#2';
    const last = /^(\w*)L$/.exec(field);
    if (last !== null) return last[1] === '' ? undefined : valueProblem(last[1] ?? '', spec);
  }
  for (const part of field.split(',')) {
    const problem = partProblem(part, spec);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function partProblem(part: string, spec: CronField): string | undefined {
  const [range = '', step, extra] = part.split('/');
  if (extra !== undefined) return `has more than one / in ${JSON.stringify(part)}`;
  if (step !== undefined) {
    if (!spec.slash) return 'cannot use / increments';
    if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > spec.max) {
      return `has increment ${JSON.stringify(step)}, not 1 to ${spec.max}`;
    }
  }
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `has a range ${JSON.stringify(range)} with more than one -`;
  for (const bound of bounds) {
    const problem = valueProblem(bound, spec);
    if (problem !== undefined) return problem;
  }
  const [from, to] = bounds.map((b) => cronValue(b, spec) ?? Number.NaN);
  // Day-of-week ranges may wrap (FRI-MON); elsewhere a backwards range is a typo.
  if (to !== undefined && from !== undefined && from > to && spec.name !== 'day-of-week') {
    return `has a backwards range ${range}`;
  }
  return undefined;
}

function cronValue(text: string, spec: CronField): number | undefined {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function valueProblem(text: string, spec: CronField): string | undefined {
  const value = cronValue(text, spec);
  const names = spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : '';
  if (value === undefined || value < spec.min || value > spec.max) {
    return `has ${JSON.stringify(text)}, not ${spec.min}-${spec.max}${names}`;
  }
  return undefined;
}

/** Every value a valid minutes or hours cron field selects. */
function expand(field: string, spec: CronField): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '*', step = '1'] = part.split('/');
    const [from, to] =
      range === '*'
        ? [spec.min, spec.max]
        : range.includes('-')
          ? range.split('-').map(Number)
          : // `a/n` runs from a to the end of the field; a lone `a` is just a.
            [Number(range), part.includes('/') ? spec.max : Number(range)];
    for (let v = from ?? spec.min; v <= (to ?? spec.max); v += Number(step)) values.add(v);
  }
  return values;
}

const [minutesField, hoursField] = cronFields as [CronField, CronField, ...CronField[]];

/**
 * The first candle close of `timeframe` (epoch ms) that the valid cron `expression`, read in
 * `timezone`, does not fire at, or undefined when it fires at every close. The fan-out only
 * dispatches a symbol at a tick where its candle closes, so a close the cron skips is a candle
 * never traded. Only the minutes and hours fields are compared: the day fields choose which days
 * trade, a choice and not a mistake. Sampled over a winter and a summer day, so a daylight-saving
 * shift of the zone is seen.
 */
export function cronMissedClose(
  expression: string,
  timezone: string,
  timeframe: Timeframe,
): number | undefined {
  const fields = expression.slice('cron('.length, -1).trim().split(/\s+/);
  const minutes = expand(fields[0] ?? '*', minutesField);
  const hours = expand(fields[1] ?? '*', hoursField);
  const step = timeframeMs(timeframe);
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
  });
  for (const day of [Date.UTC(2026, 0, 14), Date.UTC(2026, 6, 15)]) {
    for (let at = day; at < day + 86_400_000; at += step) {
      const parts = clock.formatToParts(at);
      const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
      if (!hours.has(part('hour')) || !minutes.has(part('minute'))) return at;
    }
  }
  return undefined;
}

/**
 * Why Scheduler could not use `timezone`, or undefined when Node knows it as an IANA name (the
 * list `Intl.supportedValuesOf('timeZone')` gives, `UTC`, or an alias such as `US/Eastern` that
 * `Intl.DateTimeFormat` resolves). A name spelt in the wrong case is refused with its spelling.
 */
export function timezoneProblem(timezone: string): string | undefined {
  if (timezone === 'UTC' || knownZones().has(timezone)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return 'is not an IANA time zone name Node knows (e.g. UTC, Europe/London)';
  }
  if (!/^[A-Za-z]/.test(timezone)) return 'must be an IANA time zone name, not an offset';
  if (resolved.toLowerCase() === timezone.toLowerCase() && resolved !== timezone) {
    return `is spelt ${resolved}`;
  }
  return undefined;
}

let zones: Set<string> | undefined;
function knownZones(): Set<string> {
  zones ??= new Set(Intl.supportedValuesOf('timeZone'));
  return zones;
}

/** The period of a `rate(N unit)` expression in ms; undefined for cron expressions. */
export function ratePeriodMs(expression: string): number | undefined {
  const match = rate.exec(expression);
  if (match === null) return undefined;
  const unit = (match[2] ?? '').replace(/s$/, '') as keyof typeof unitMs;
  return Number(match[1]) * unitMs[unit];
}

/**
 * The step between ticks: the rate's period, or for a cron schedule the shortest timeframe
 * traded (a cron schedule must fire at least that often to see every candle).
 */
export function tickPeriodMs(expression: string, timeframes: readonly Timeframe[]): number {
  return ratePeriodMs(expression) ?? Math.min(...timeframes.map(timeframeMs));
}
