import { parse } from 'csv-parse/sync';
import { computeTicketMetrics, type TicketFact } from '../ticket-metrics';
import { buildWeeklyReview, renderMarkdown } from '../weekly-review';
import { cohort, emptyBacklog, periodOfT0, ticketFact } from './fixtures';

// Categories, keywords, queue ids, tiers and regions come from users and
// integrations; the exports must stay safe to open whatever they hold.
const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1:A2)', '\tcmd', '\rcmd'];
const period = periodOfT0('WEEK');

function metricsOf(tickets: TicketFact[], keywords: string[] = []) {
  return computeTicketMetrics(
    period,
    cohort({
      tickets,
      keywords: keywords.map((keyword) => ({ ticketId: tickets[0].ticketId, keyword })),
      ratings: tickets.map((ticket) => ({
        ticketId: ticket.ticketId,
        satisfaction: 'SATISFIED' as const,
        repeatComplaint: false,
      })),
    }),
    emptyBacklog,
  );
}

describe('weekly review exports', () => {
  const hostile = FORMULAS.map((formula, index) =>
    ticketFact(`t${index}`, {
      category: formula,
      queueId: formula,
      customerTier: formula,
      customerRegion: formula,
    }),
  );
  const review = buildWeeklyReview(
    metricsOf(hostile, FORMULAS),
    // A busier previous week, so the volume change is a negative number.
    metricsOf([...hostile, ticketFact('extra-1'), ticketFact('extra-2')]),
  );
  const rows = parse(review.csv, { relaxColumnCount: false }) as string[][];

  it('should start no CSV cell with a formula character when values are hostile', () => {
    const cells = rows.flat();

    expect(cells.filter((value) => /^[=+\-@\t\r]/.test(value) && !/^-\d/.test(value))).toEqual([]);
    for (const formula of FORMULAS) expect(cells).toContain(`'${formula}`);
  });

  it('should keep numbers, negative ones too, as plain numbers in the CSV', () => {
    expect(rows).toContainEqual(['weekOverWeek', 'volume', '6', '8', '-2', '', '', '']);
  });

  it('should keep every CSV row as wide as the header when values hold commas, quotes and line breaks', () => {
    const awkward = buildWeeklyReview(metricsOf([ticketFact('q', { category: 'a,"b"\nc' })]), metricsOf([]));

    const parsed = parse(awkward.csv) as string[][];

    expect(parsed.every((row) => row.length === 8)).toBe(true);
    expect(parsed.map((row) => row[1])).toContain('a,"b"\nc');
  });

  it('should escape pipes and line breaks in Markdown tables and lists', () => {
    const markdown = renderMarkdown({
      ...review,
      weekOverWeek: [{ name: 'volume | injected\n# Heading', current: 1, previous: 1, change: 0 }],
      topIssues: [{ key: 'a|b\n## Injected <img src=x>', count: 2, ticketIds: [] }],
    });
    const lines = markdown.split('\n');

    expect(lines).toContain('| volume \\| injected # Heading | 1 | 1 | ±0 |');
    expect(lines).toContain('1. a\\|b ## Injected &lt;img src=x> — 2');
    expect(lines.filter((line) => /^#+ (Heading|Injected)/.test(line))).toEqual([]);
  });
});
