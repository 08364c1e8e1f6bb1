import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifests, repositoryRoot } from '@deskgraph/infra';
import { createMetrics } from '@deskgraph/platform';
import { createSlaMetrics } from '../../src/sla.metrics';

const observability = join(repositoryRoot, 'infra', 'observability');

/** Every series name the services register, with its label names (histograms by their three series). */
async function registeredSeries(): Promise<Map<string, Set<string>>> {
  const metrics = createMetrics('alert-rules-test');
  // The SLA metrics are the only ones a service registers beside the platform's.
  createSlaMetrics(metrics, { isInitialized: false } as never);
  const series = new Map<string, Set<string>>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    const labels = new Set(['service', ...Object.keys((metric.values[0]?.labels as object) ?? {})]);
    const definition = metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] };
    for (const label of definition?.labelNames ?? []) labels.add(label);
    const names =
      metric.type === ('histogram' as never)
        ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
        : [metric.name];
    for (const name of names)
      series.set(name, name.endsWith('_bucket') ? new Set([...labels, 'le']) : labels);
  }
  return series;
}

/** The deskgraph series an expression selects, and the labels its selectors and groupings name. */
function used(expression: string): { series: string[]; labels: { series: string; label: string }[] } {
  const series = [...expression.matchAll(/\b(deskgraph_[a-z0-9_]+)/g)].map((match) => match[1]);
  const labels = [...expression.matchAll(/\b(deskgraph_[a-z0-9_]+)\{([^}]*)\}/g)].flatMap((match) =>
    [...match[2].matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)].map((label) => ({
      series: match[1],
      label: label[1],
    })),
  );
  return { series, labels };
}

function problems(expressions: string[], registered: Map<string, Set<string>>): string[] {
  return expressions.flatMap((expression) => {
    const { series, labels } = used(expression);
    return [
      ...(series.length === 0 ? [`names no deskgraph metric: ${expression}`] : []),
      ...series.filter((name) => !registered.has(name)).map((name) => `unknown metric ${name}`),
      ...labels
        .filter(({ series: name, label }) => registered.has(name) && !registered.get(name)!.has(label))
        .map(({ series: name, label }) => `${name} has no label ${label}`),
    ];
  });
}

describe('alert rules and dashboard', () => {
  let registered: Map<string, Set<string>>;

  beforeAll(async () => {
    registered = await registeredSeries();
  });

  it('should use only metrics and labels the services register in every alert rule', () => {
    const [rules] = readManifests(join(observability, 'prometheus-rules.yaml')) as unknown as {
      groups: { rules: { alert: string; expr: string }[] }[];
    }[];
    const expressions = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));

    expect(problems(expressions, registered)).toEqual([]);
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    for (const needed of ['SlaBreachRate', 'ConsumerLag', 'DeadLetters', 'GatewayErrorRate']) {
      expect(alerts.some((alert) => alert.includes(needed))).toBe(true);
    }
  });

  it('should use only metrics and labels the services register in every dashboard panel', () => {
    const dashboard = JSON.parse(readFileSync(join(observability, 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

    expect(problems(expressions, registered)).toEqual([]);
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join(' | ');
    for (const needed of ['sla breaches', 'consumer lag', 'dead-lettered', 'gateway error rate']) {
      expect(titles).toContain(needed);
    }
  });

  it('should report a metric or a label no service registers', () => {
    expect(
      problems(
        ['rate(deskgraph_tickets_created_total[5m])', 'sum(deskgraph_consumer_lag{queue="vip"})'],
        registered,
      ),
    ).toEqual([
      'unknown metric deskgraph_tickets_created_total',
      'deskgraph_consumer_lag has no label queue',
    ]);
  });
});
