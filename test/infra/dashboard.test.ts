import { afterAll, describe, expect, it } from 'vitest';
import { catalogueMetricNames, dashboardMetricNames } from '../../infra/catalogue-metrics.js';
import { logQueries } from '../../infra/constructs/dashboard.js';
import { type MetricName, metricCatalogue, serviceNames } from '../../lib/metrics/catalogue.js';
import {
  alarmsById,
  type DashboardBody,
  dashboardBody,
  logicalId,
  removeTestAssemblies,
  sharedTestStack,
} from './stack-factory.js';

afterAll(removeTestAssemblies);

const namespace = 'tickfan/dev';

/** The widget graphing a catalogue metric: its title starts with the metric name. */
function graphOf(body: DashboardBody, name: string) {
  return body.widgets.find((w) => w.properties.title?.startsWith(`${name} (`));
}

describe('metric catalogue', () => {
  it('has a dashboard widget for every catalogue metric', () => {
    const charted = dashboardMetricNames(dashboardBody(sharedTestStack().template), namespace);

    for (const name of catalogueMetricNames) {
      expect(charted.has(name), `a widget for ${name}`).toBe(true);
    }
  });

  it('names no metric in the stage namespace that the catalogue lacks, on the dashboard or in an alarm', () => {
    const { template } = sharedTestStack();
    const charted = dashboardMetricNames(dashboardBody(template), namespace);
    const alarmed = [...alarmsById(template).values()]
      .filter((alarm) => alarm.Namespace === namespace)
      .map((alarm) => alarm.MetricName);

    expect(alarmed.length).toBeGreaterThan(0);
    for (const name of [...charted, ...alarmed]) {
      expect(Object.keys(metricCatalogue), `${name} is in the catalogue`).toContain(name);
    }
  });

  it('lists exactly the catalogue metrics the dashboard and the alarms use', () => {
    const { stack, template } = sharedTestStack();
    const alarmed = [...alarmsById(template).values()]
      .filter((alarm) => alarm.Namespace === namespace)
      .map((alarm) => alarm.MetricName);

    expect([...stack.dashboard.catalogueMetricNames].sort()).toEqual(
      [...dashboardMetricNames(dashboardBody(template), namespace)].sort(),
    );
    expect([...stack.alarms.catalogueMetricNames].sort()).toEqual(alarmed.sort());
  });

  it('finds metric rows and SEARCH expressions, and only in the given namespace', () => {
    const body = {
      widgets: [
        {
          properties: {
            metrics: [
              ['tickfan/dev', 'A', 'service', 'x'],
              ['AWS/SQS', 'B'],
            ],
          },
        },
        {
          properties: {
            metrics: [
              [{ expression: `SEARCH('{tickfan/dev,call,service} MetricName="C"', 'p99', 300)` }],
              [{ expression: `SEARCH('{tickfan/prod,service} MetricName="D"', 'Sum', 300)` }],
            ],
          },
        },
        { properties: { markdown: '# no metrics' } },
      ],
    };

    expect([...dashboardMetricNames(body, 'tickfan/dev')].sort()).toEqual(['A', 'C']);
  });
});

describe('TickfanDashboard', () => {
  it.each(catalogueMetricNames)(
    'graphs %s with its catalogue statistic per emitting service',
    (name) => {
      const body = dashboardBody(sharedTestStack().template);
      const definition = metricCatalogue[name as MetricName];
      const graph = graphOf(body, name);
      const rows = JSON.stringify(graph?.properties.metrics);
      const services =
        definition.emittedBy === 'both'
          ? [serviceNames.trade, serviceNames['fan-out']]
          : [serviceNames[definition.emittedBy]];

      expect(graph, `graph for ${name}`).toBeDefined();
      expect(graph?.properties.metrics).toHaveLength(services.length);
      for (const service of services) {
        if ('dimensions' in definition) {
          // Split by extra dimensions: a SEARCH draws one line per value.
          const schema = [namespace, ...definition.dimensions, 'service'].join(',');
          expect(rows).toContain(
            `SEARCH('{${schema}} MetricName=\\"${name}\\" service=\\"${service}\\"', '${definition.statistic}', 300)`,
          );
        } else {
          expect(rows).toContain(
            JSON.stringify([namespace, name, 'service', service]).slice(1, -1),
          );
          expect(rows).toContain(`"stat":"${definition.statistic}"`);
        }
      }
    },
  );

  it('shows the state of every alarm at the top', () => {
    const { stack, template } = sharedTestStack();
    const widget = dashboardBody(template).widgets.find((w) => w.type === 'alarm');
    const alarmIds = Object.values(stack.alarms.alarms).map((a) => `${logicalId(stack, a)}.Arn`);

    expect(widget?.properties.alarms?.sort()).toEqual(alarmIds.sort());
    expect(dashboardBody(template).widgets.findIndex((w) => w.type === 'alarm')).toBeLessThan(2);
  });

  it.each([
    ['Slowest symbols', logQueries.slowestSymbols, 'trade'],
    ['Recent errors', logQueries.recentErrors, 'both'],
    ['Recent orders', logQueries.recentOrders, 'trade'],
  ] as const)('runs the Logs Insights query "%s" over the function logs', (title, query, over) => {
    const { stack, template } = sharedTestStack();
    const widget = dashboardBody(template).widgets.find(
      (w) => w.type === 'log' && w.properties.title?.startsWith(title),
    );
    const trade = `SOURCE '${logicalId(stack, stack.tradeFunction.logGroup)}'`;
    const fanOut = `SOURCE '${logicalId(stack, stack.fanOutFunction.logGroup)}'`;

    expect(widget?.properties.query).toContain(trade);
    if (over === 'both') expect(widget?.properties.query).toContain(fanOut);
    else expect(widget?.properties.query).not.toContain(fanOut);
    for (const line of query) expect(widget?.properties.query).toContain(line);
  });

  it('queries the fields the trade function logs', () => {
    expect(logQueries.slowestSymbols.join('|')).toMatch(
      /tickResult\.symbol as symbol, tickResult\.durationMs as durationMs.*message = 'tick done'.*max\(durationMs\).*by symbol/,
    );
    expect(logQueries.recentErrors.join('|')).toContain("level = 'ERROR'");
    expect(logQueries.recentOrders.join('|')).toContain(
      'ispresent(tickResult.order.clientOrderId)',
    );
  });

  it('charts queue depth, dead letters, oldest message age and Lambda invocations, errors, throttles and duration', () => {
    const metrics = JSON.stringify(
      dashboardBody(sharedTestStack().template).widgets.map((w) => w.properties.metrics),
    );

    for (const metric of [
      '"AWS/SQS","ApproximateNumberOfMessagesVisible"',
      '"AWS/SQS","ApproximateAgeOfOldestMessage"',
      '"AWS/Lambda","Invocations"',
      '"AWS/Lambda","Errors"',
      '"AWS/Lambda","Throttles"',
      '"AWS/Lambda","Duration"',
    ]) {
      expect(metrics).toContain(metric);
    }
  });
});
