import { stringify } from 'csv-stringify/sync';
import type { MetricBucket, MetricRate } from './kpi-math';
import type { KpiTargetStatus } from './kpi-targets';
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
  /** The week's KPIs against their targets. */
  targets: KpiTargetStatus[];
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

function cell(value: string | number | null): string | number | null {
  return typeof value === 'number' ? Number(value.toFixed(4)) : value;
}

/**
 * Text for a Markdown table cell or list item: `|` would split the cell and a
 * line break would end the row (or start a heading), so `|` is escaped and
 * line breaks become spaces; `<` is escaped so a renderer never sees raw HTML
 * from a category name.
 */
function markdownText(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('<', '&lt;')
    .replace(/\r\n|[\r\n]/g, ' ');
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

function metLabel(met: boolean | null): string | null {
  return met === null ? null : met ? 'met' : 'missed';
}

/**
 * CSV: one section per table, `section,name,current,previous,change,target,direction,met`
 * rows (the last three only for targets), RFC 4180 quoting by csv-stringify.
 * Text cells starting with `=`, `+`, `-`, `@`, tab or CR (a category, a
 * keyword, a queue id) get a leading `'`, so a spreadsheet shows them as text
 * instead of running them as formulas; numbers, negative ones too, stay numbers.
 */
export function renderCsv(review: Omit<WeeklyReview, 'csv' | 'markdown'>): string {
  const rows: (string | number | null)[][] = [
    ['section', 'name', 'current', 'previous', 'change', 'target', 'direction', 'met'],
  ];
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
  for (const tier of review.metrics.satisfactionByTier)
    rows.push(['satisfactionByTier', tier.key, tier.rate.value, null, null]);
  for (const region of review.metrics.satisfactionByRegion)
    rows.push(['satisfactionByRegion', region.key, region.rate.value, null, null]);
  for (const target of review.targets) {
    rows.push([
      'targets',
      target.kpi,
      target.value,
      null,
      null,
      target.target,
      target.direction,
      metLabel(target.met),
    ]);
  }
  // Every row has the header's width (RFC 4180); the target columns stay empty outside the targets section.
  const width = rows[0].length;
  return stringify(
    rows.map((row) => [...row, ...Array(width - row.length).fill(null)].map(cell)),
    { escape_formulas: true, record_delimiter: 'unix' },
  );
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
        `| ${markdownText(figure.name)} | ${formatFigure(figure.name, figure.current)} | ${formatFigure(figure.name, figure.previous)} | ${formatChange(figure.name, figure.change)} |`,
    ),
    '',
    '## Top issues',
    '',
    ...(review.topIssues.length === 0
      ? ['None.']
      : review.topIssues.map((issue, index) => `${index + 1}. ${markdownText(issue.key)} — ${issue.count}`)),
    '',
    '## Breaches',
    '',
    `${review.metrics.breaches.total} SLA breaches.`,
    ...review.metrics.breaches.byQueue.map((queue) => `- queue ${markdownText(queue.key)}: ${queue.count}`),
    ...review.metrics.breaches.byPriority.map(
      (priority) => `- ${markdownText(priority.key)}: ${priority.count}`,
    ),
    '',
    '## Repeat complaints',
    '',
    `${review.repeatComplaints.numerator} repeats over ${review.repeatComplaints.denominator} original complaints: ${percent(review.repeatComplaints.value)}.`,
    '',
    '## Targets',
    '',
    ...(review.targets.length === 0
      ? ['No targets set.']
      : [
          '| KPI | This week | Target | Met |',
          '| --- | ---: | ---: | --- |',
          ...review.targets.map(
            (target) =>
              `| ${markdownText(target.kpi)} | ${percent(target.value)} | ${target.direction === 'AT_LEAST' ? '≥' : '≤'} ${percent(target.target)} | ${target.met === null ? 'no data' : target.met ? 'yes' : 'no'} |`,
          ),
        ]),
    '',
    '## Satisfaction by customer tier and region',
    '',
    ...(review.metrics.satisfactionByTier.length === 0
      ? ['No ratings.']
      : [
          ...review.metrics.satisfactionByTier.map(
            (tier) =>
              `- tier ${markdownText(tier.key)}: ${percent(tier.rate.value)} (${tier.rate.numerator}/${tier.rate.denominator})`,
          ),
          ...review.metrics.satisfactionByRegion.map(
            (region) =>
              `- region ${markdownText(region.key)}: ${percent(region.rate.value)} (${region.rate.numerator}/${region.rate.denominator})`,
          ),
        ]),
    '',
  ];
  return lines.join('\n');
}

export function buildWeeklyReview(
  current: TicketMetrics,
  previous: TicketMetrics,
  targets: KpiTargetStatus[] = [],
): WeeklyReview {
  const review = {
    week: current.period,
    previousWeek: previous.period,
    metrics: current,
    averageHandlingTimeMs: current.finalResolution.calendar.meanMs,
    // Top issues: categories, or keywords when tickets carry no category.
    topIssues: current.topCategories.length > 0 ? current.topCategories : current.topKeywords,
    repeatComplaints: current.repeatComplaintRate,
    weekOverWeek: weekOverWeek(current, previous),
    targets,
  };
  return { ...review, csv: renderCsv(review), markdown: renderMarkdown(review) };
}
