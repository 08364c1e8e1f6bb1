import type { MetricBucket, MetricRate } from './kpi-math';
import type { ResolvedPeriod } from './period';
import type { TicketMetrics } from './ticket-metrics';

export interface WeekOverWeek {
  name: string;
  current: number | null;
  previous: number | null;
  change: number | null;
}

export interface WeeklyReview {
  week: ResolvedPeriod;
  previousWeek: ResolvedPeriod;
  metrics: TicketMetrics;
  averageHandlingTimeMs: number | null;
  topIssues: MetricBucket[];
  repeatComplaints: MetricRate;
  weekOverWeek: WeekOverWeek[];
  csv: string;
  markdown: string;
}

/** The figures the handbook's weekly review compares week over week, in its order. */
function headlineFigures(metrics: TicketMetrics): [string, number | null][] {
  return [
    ['volume', metrics.volume.total],
    ['averageHandlingTimeMs', metrics.finalResolution.calendar.meanMs],
    ['firstResponseMedianMs', metrics.firstResponse.calendar.medianMs],
    ['satisfactionRate', metrics.satisfactionRate.value],
    ['slaBreaches', metrics.breaches.total],
    ['repeatComplaintRate', metrics.repeatComplaintRate.value],
    ['reopenRate', metrics.reopenRate.value],
    ['backlogAtWeekEnd', metrics.backlog.open],
  ];
}

export function weekOverWeek(current: TicketMetrics, previous: TicketMetrics): WeekOverWeek[] {
  const before = new Map(headlineFigures(previous));
  return headlineFigures(current).map(([name, value]) => {
    const prior = before.get(name) ?? null;
    return {
      name,
      current: value,
      previous: prior,
      change: value === null || prior === null ? null : value - prior,
    };
  });
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(Number(value.toFixed(4))) : value;
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function localDay(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

function weekLabel(period: ResolvedPeriod): string {
  const lastDay = new Date(period.to.getTime() - 1);
  return `${localDay(period.from, period.timeZone)} – ${localDay(lastDay, period.timeZone)} (${period.timeZone})`;
}

/** CSV: one section per table, `section,name,current,previous,change` rows, RFC 4180 quoting. */
export function renderCsv(review: Omit<WeeklyReview, 'csv' | 'markdown'>): string {
  const rows: (string | number | null)[][] = [['section', 'name', 'current', 'previous', 'change']];
  for (const figure of review.weekOverWeek) {
    rows.push(['weekOverWeek', figure.name, figure.current, figure.previous, figure.change]);
  }
  for (const issue of review.topIssues) rows.push(['topIssues', issue.key, issue.count, null, null]);
  for (const keyword of review.metrics.topKeywords)
    rows.push(['topKeywords', keyword.key, keyword.count, null, null]);
  for (const queue of review.metrics.breaches.byQueue)
    rows.push(['breachesByQueue', queue.key, queue.count, null, null]);
  for (const priority of review.metrics.breaches.byPriority) {
    rows.push(['breachesByPriority', priority.key, priority.count, null, null]);
  }
  rows.push(['repeatComplaints', 'repeats', review.repeatComplaints.numerator, null, null]);
  rows.push(['repeatComplaints', 'complaintsMinusRepeats', review.repeatComplaints.denominator, null, null]);
  return `${rows.map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)} %`;
}

function duration(ms: number | null): string {
  if (ms === null) return '–';
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function formatFigure(name: string, value: number | null): string {
  if (name.endsWith('Rate')) return percent(value);
  if (name.endsWith('Ms')) return duration(value);
  return value === null ? '–' : String(value);
}

function formatChange(name: string, change: number | null): string {
  if (change === null) return '–';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  if (name.endsWith('Rate')) return `${sign}${Math.abs(change * 100).toFixed(1)} pt`;
  if (name.endsWith('Ms')) return `${sign}${duration(Math.abs(change))}`;
  return `${sign}${Math.abs(change)}`;
}

export function renderMarkdown(review: Omit<WeeklyReview, 'csv' | 'markdown'>): string {
  const lines = [
    `# Weekly review ${weekLabel(review.week)}`,
    '',
    `Compared with ${weekLabel(review.previousWeek)}.`,
    '',
    '| Figure | This week | Last week | Change |',
    '| --- | ---: | ---: | ---: |',
    ...review.weekOverWeek.map(
      (figure) =>
        `| ${figure.name} | ${formatFigure(figure.name, figure.current)} | ${formatFigure(figure.name, figure.previous)} | ${formatChange(figure.name, figure.change)} |`,
    ),
    '',
    '## Top issues',
    '',
    ...(review.topIssues.length === 0
      ? ['None.']
      : review.topIssues.map((issue, index) => `${index + 1}. ${issue.key} — ${issue.count}`)),
    '',
    '## Breaches',
    '',
    `${review.metrics.breaches.total} SLA breaches.`,
    ...review.metrics.breaches.byQueue.map((queue) => `- queue ${queue.key}: ${queue.count}`),
    ...review.metrics.breaches.byPriority.map((priority) => `- ${priority.key}: ${priority.count}`),
    '',
    '## Repeat complaints',
    '',
    `${review.repeatComplaints.numerator} repeats over ${review.repeatComplaints.denominator} original complaints: ${percent(review.repeatComplaints.value)}.`,
    '',
  ];
  return lines.join('\n');
}

export function buildWeeklyReview(current: TicketMetrics, previous: TicketMetrics): WeeklyReview {
  const review = {
    week: current.period,
    previousWeek: previous.period,
    metrics: current,
    averageHandlingTimeMs: current.finalResolution.calendar.meanMs,
    // Top issues: categories, or keywords when tickets carry no category.
    topIssues: current.topCategories.length > 0 ? current.topCategories : current.topKeywords,
    repeatComplaints: current.repeatComplaintRate,
    weekOverWeek: weekOverWeek(current, previous),
  };
  return { ...review, csv: renderCsv(review), markdown: renderMarkdown(review) };
}
