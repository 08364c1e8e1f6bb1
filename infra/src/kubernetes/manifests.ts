import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as written in a manifest. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  images?: { name: string; newTag?: string; digest?: string }[];
  patches?: { path: string }[];
  labels?: { pairs: Record<string, string> }[];
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

export function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export function readKustomization(directory: string): Kustomization {
  return readManifests(join(directory, 'kustomization.yaml'))[0] as unknown as Kustomization;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps merge key by key, anything else is replaced: kustomize's strategic merge for the fields the overlays patch. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) merged[key] = merge(base[key], value);
  return merged;
}

function containersOf(manifest: Manifest): { image?: string }[] {
  const template = (manifest.spec?.template ?? {}) as { spec?: { containers?: { image?: string }[] } };
  return template.spec?.containers ?? [];
}

/**
 * What `kustomize build` makes of a directory, for the features deskgraph's
 * manifests use (resources, namespace, labels, images, patches): kustomize
 * itself is a Go binary, and these checks run offline with npm packages only.
 */
export function renderKustomization(directory: string): Manifest[] {
  const kustomization = readKustomization(directory);
  let manifests: Manifest[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(directory, resource);
    manifests.push(...(resource.endsWith('.yaml') ? readManifests(path) : renderKustomization(path)));
  }
  for (const { path } of kustomization.patches ?? []) {
    for (const patch of readManifests(resolve(directory, path))) {
      const index = manifests.findIndex(
        (manifest) => manifest.kind === patch.kind && manifest.metadata.name === patch.metadata.name,
      );
      if (index < 0)
        throw new Error(
          `${join(directory, path)} patches ${patch.kind} ${patch.metadata.name}, which is not there`,
        );
      manifests[index] = merge(manifests[index], patch) as Manifest;
    }
  }
  manifests = manifests.map((manifest) => {
    const labels = Object.assign({}, ...(kustomization.labels ?? []).map((label) => label.pairs));
    const metadata = { ...manifest.metadata, labels: { ...manifest.metadata.labels, ...labels } };
    if (kustomization.namespace && !CLUSTER_SCOPED.has(manifest.kind))
      metadata.namespace = kustomization.namespace;
    return { ...manifest, metadata };
  });
  for (const image of kustomization.images ?? []) {
    for (const container of manifests.flatMap(containersOf)) {
      if (container.image?.split(/[:@]/)[0] !== image.name) continue;
      container.image = image.digest ? `${image.name}@${image.digest}` : `${image.name}:${image.newTag}`;
    }
  }
  return manifests;
}

/** The npm module whose model class validates this apiVersion (kubernetes-models and its KEDA models). */
export function modelModule(manifest: Manifest): string {
  if (manifest.apiVersion.startsWith('keda.sh/'))
    return `@kubernetes-models/keda/${manifest.apiVersion}/${manifest.kind}`;
  return `kubernetes-models/${manifest.apiVersion}/${manifest.kind}`;
}
