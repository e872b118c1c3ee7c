/**
 * What this checkout deploys, read from the build output as twilio-run reads it (serverless-api's own file lister:
 * `.private`/`.protected` in a name set the visibility and are dropped from the path), with the deploy manifest added.
 */
import { readFileSync } from 'node:fs';
import { fsHelpers, getDependencies } from '@twilio-labs/serverless-api';
import { MANIFEST_PATH, manifestSource, sha256Of, type Manifest } from './manifest';
import type { DeployFile, DesiredState } from './plan';
import type { DeployConfig } from './deploy-config';

/** One function or asset to upload, in the shape serverless-api's upload functions take. */
export interface UploadFile {
  readonly kind: 'function' | 'asset';
  readonly name: string;
  readonly path: string;
  readonly access: 'public' | 'protected' | 'private';
  readonly content: string | Buffer;
}

export interface LocalDeployment {
  readonly desired: DesiredState;
  /** Every file of the Build, the manifest included. */
  readonly uploads: readonly UploadFile[];
}

export interface LocalConfig extends Pick<DeployConfig, 'env'> {
  readonly cwd: string;
  readonly functionsFolderName: string;
  readonly assetsFolderName: string;
  readonly runtime: string;
  readonly serviceName: string;
  readonly environment: string;
}

/** @example const { desired, uploads } = await readLocalDeployment({ cwd: '.', functionsFolderName: 'dist/functions', … }) */
export async function readLocalDeployment(config: LocalConfig): Promise<LocalDeployment> {
  const { functions, assets } = await fsHelpers.getListOfFunctionsAndAssets(config.cwd, {
    functionsFolderNames: [config.functionsFolderName],
    assetsFolderNames: [config.assetsFolderName],
  });
  const uploads: UploadFile[] = [
    ...functions.map((file) => ({
      kind: 'function' as const,
      name: file.name,
      path: file.path,
      access: file.access,
      content: file.content,
    })),
    ...assets.map((file) => ({ kind: 'asset' as const, name: file.name, path: file.path, access: file.access, content: file.content })),
  ];
  const files: DeployFile[] = uploads.map((file) => ({
    kind: file.kind,
    path: file.path,
    visibility: file.access,
    sha256: sha256Of(file.content),
  }));
  const manifest: Manifest = Object.fromEntries(files.map((file) => [file.path, { visibility: file.visibility, sha256: file.sha256 }]));
  uploads.push({ kind: 'function', name: MANIFEST_PATH, path: MANIFEST_PATH, access: 'private', content: manifestSource(manifest) });
  const packageJson = JSON.parse(readFileSync(`${config.cwd}/package.json`, 'utf8')) as Parameters<typeof getDependencies>[0];
  return {
    desired: {
      serviceName: config.serviceName,
      environment: config.environment,
      variables: config.env,
      files,
      runtime: config.runtime,
      dependencies: getDependencies(packageJson).map(({ name, version }) => ({ name, version })),
    },
    uploads,
  };
}
