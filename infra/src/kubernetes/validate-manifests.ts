import { resolve } from 'node:path';
import { repositoryRoot } from '../environment';
import { modelModule, renderKustomization } from './manifests';

/** Every directory a deployment is built from: the base and each overlay. */
export const KUSTOMIZE_DIRECTORIES = ['base', 'overlays/production', 'overlays/staging'].map((directory) =>
  resolve(repositoryRoot, 'infra', 'kubernetes', directory),
);

interface Result {
  directory: string;
  kind: string;
  name: string;
  errors: string[];
}

/**
 * Validates every object the base and the overlays render to against the
 * Kubernetes OpenAPI schemas shipped in `kubernetes-models` (and KEDA's CRD
 * schemas in `@kubernetes-models/keda`). Those packages are ESM-only, so this
 * runs as its own Node process (`npm run k8s:validate`),
 * prints one JSON line and exits 1 on any error.
 */
async function main(directories: string[]): Promise<void> {
  const results: Result[] = [];
  for (const directory of directories) {
    for (const manifest of renderKustomization(directory)) {
      const result: Result = { directory, kind: manifest.kind, name: manifest.metadata.name, errors: [] };
      results.push(result);
      try {
        const module = (await import(modelModule(manifest))) as Record<
          string,
          new (data: unknown) => { validate(): void }
        >;
        new module[manifest.kind](manifest).validate();
      } catch (error) {
        result.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  console.log(JSON.stringify({ validated: results.length, results }));
  if (results.some((result) => result.errors.length > 0)) process.exit(1);
}

// Directories given as arguments are validated instead (the test proves the check can fail with one).
if (require.main === module) {
  const given = process.argv.slice(2).map((directory) => resolve(directory));
  void main(given.length > 0 ? given : KUSTOMIZE_DIRECTORIES);
}
