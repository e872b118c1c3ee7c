/**
 * What a deploy would change, computed from what this checkout would deploy and what the live service holds (both
 * read elsewhere), and printed by name, never by value. Pure: the same function plans before applying and checks
 * the service read back after.
 */
import { BASIC_USERS_ASSET_NAME } from '../../lib/auth/basic-users';
import type { AccessEffect } from '../../lib/config/access-effect';
import { SETTINGS } from '../../lib/config/settings-registry';
import { POLICY_ASSET_NAME } from '../../lib/policy/settings';
import { planVariableSync } from '../project/deploy-checks';
import { orderedSteps, renderOrder } from './order';
import { ownVariables } from '../project/setting-names';
import type { Manifest } from './manifest';
import { BASIC_USERS_ASSET_PATH, POLICY_ASSET_PATH } from '../project/private-assets';

/** The private assets that hold configuration, by their deployed path. */
export const PRIVATE_CONFIG_FILES = Object.freeze({
  users: {
    path: `/${BASIC_USERS_ASSET_NAME.replace('.private', '')}`,
    source: BASIC_USERS_ASSET_PATH,
    flag: '--remove-users-file',
  },
  policy: { path: `/${POLICY_ASSET_NAME.replace('.private', '')}`, source: POLICY_ASSET_PATH, flag: '--remove-policy' },
});
export type PrivateConfigFile = keyof typeof PRIVATE_CONFIG_FILES;

export interface DeployFile {
  readonly kind: 'function' | 'asset';
  readonly path: string;
  readonly visibility: string;
  readonly sha256: string;
}

interface Dependency {
  readonly name: string;
  readonly version: string;
}

/** What this checkout would deploy. */
export interface DesiredState {
  readonly serviceName: string;
  /** Domain suffix ('' for production) or an environment SID. */
  readonly environment: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly files: readonly DeployFile[];
  readonly runtime: string;
  readonly dependencies: readonly Dependency[];
}

export interface LiveFile {
  readonly kind: 'function' | 'asset';
  readonly path: string;
  readonly visibility: string;
  /** From the manifest of the Build, when it names this path with this visibility. */
  readonly sha256?: string;
}

/** What the service holds now, as read with GET requests only. */
export interface LiveState {
  readonly service?: { readonly sid: string; readonly uniqueName: string; readonly includeCredentials: boolean };
  readonly environment?: { readonly sid: string; readonly domainName: string; readonly buildSid: string | null };
  readonly variables: readonly { readonly key: string; readonly sid: string; readonly value: string }[];
  /** The active Build: its files (the manifest left out), runtime and dependencies. */
  readonly build?: {
    readonly sid: string;
    readonly files: readonly LiveFile[];
    readonly runtime: string;
    readonly dependencies: readonly Dependency[];
    readonly manifest?: Manifest;
  };
}

interface Change {
  readonly kind: 'added' | 'changed' | 'deleted' | 'replaced' | 'removed';
  /** A variable name, a path, a package name, or `runtime` / `IncludeCredentials`. */
  readonly name: string;
  /** Why, or what from/to for things that are not secret (runtime, dependency versions). */
  readonly note?: string;
}

/**
 * When a variable change is written: narrowing ones before anything is uploaded, widening ones once the new build is
 * live, the rest (access unchanged, or some of each) between the build and its activation.
 */
export type WritePhase = 'before-upload' | 'before-live' | 'after-live';

/** A variable's change with what it does to access (from the setting's declaration) and when it is written. */
export interface VariableChange extends Change {
  readonly access: AccessEffect;
  readonly phase: WritePhase;
}

export interface DeployPlan {
  readonly createService: boolean;
  readonly createEnvironment: boolean;
  /** The service gives every function the account's auth token: corrected to false. */
  readonly fixIncludeCredentials: boolean;
  readonly variables: readonly VariableChange[];
  /** Variables to delete, with their SIDs. */
  readonly deleteVariables: readonly { readonly key: string; readonly sid: string }[];
  /** Both halves of the signing key pair change: the SID goes first and comes back last, so no mixed pair is ever live. */
  readonly rotatesKeyPair: boolean;
  readonly privateFiles: readonly Change[];
  readonly functions: readonly Change[];
  readonly assets: readonly Change[];
  readonly runtime?: Change;
  readonly dependencies: readonly Change[];
  /** A new Build is needed (a file, the runtime or a dependency changes, or nothing is deployed yet). */
  readonly newBuild: boolean;
  /** Variables on the service this service does not read: never touched, listed. */
  readonly leftAlone: readonly string[];
  /** Private configuration files the live build has and this checkout lacks, not allowed by a flag. */
  readonly refusedRemovals: readonly PrivateConfigFile[];
  /** Live variables whose removal would widen access, absent or empty here, not named with --remove. */
  readonly refusedVariableRemovals: readonly VariableChange[];
}

export interface PlanOptions {
  /** Private configuration files the user said may be removed (--remove-users-file, --remove-policy). */
  readonly allowRemoval: ReadonlySet<PrivateConfigFile>;
  /** Settings the user said may be removed from the service although that widens access (--remove NAME). */
  readonly removeVariables?: ReadonlySet<string>;
}

const declarationOf = new Map(SETTINGS.map((setting) => [setting.name, setting]));
const settingRank = new Map(SETTINGS.map((setting, index) => [setting.name, index]));

/** What a variable's change does to access: the setting's own declaration; the user's own variables change nothing we decide. */
function accessOf(name: string, before: string | undefined, after: string | undefined): AccessEffect {
  const declaration = declarationOf.get(name);
  const present = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
  if (!declaration) return { direction: 'none', words: 'a variable of your own (DEPLOY_OWN_VARIABLES)' };
  // Unset means the default, where there is one: writing the default out (or removing it) changes nothing.
  const [old, next] = [present(before) ?? declaration.default, present(after) ?? declaration.default];
  if (old !== undefined && old === next) return { direction: 'none', words: 'the same as the default' };
  return declaration.access(present(before), present(after));
}

const PHASE_OF: Readonly<Record<AccessEffect['direction'], WritePhase>> = {
  narrows: 'before-upload',
  none: 'before-live',
  both: 'before-live',
  widens: 'after-live',
};

/**
 * The variable changes with their access effects. A removal that widens access (or changes it both ways) is refused
 * unless named with --remove; one whose setting moves into its private file in this deploy is a move, written once
 * the build with the file is live (deleted earlier, the old build would run without it).
 */
function variableChanges(
  live: LiveState,
  desired: DesiredState,
  options: PlanOptions,
): { variables: VariableChange[]; deleteVariables: { key: string; sid: string }[]; refused: VariableChange[]; unread: readonly string[] } {
  const liveValues = new Map(live.variables.map((variable) => [variable.key, variable.value]));
  const variables: VariableChange[] = [];
  for (const [key, value] of Object.entries(desired.variables)) {
    const before = liveValues.get(key);
    if (before === value) continue;
    const access = accessOf(key, before, value);
    variables.push({ kind: before === undefined ? 'added' : 'changed', name: key, access, phase: PHASE_OF[access.direction] });
  }
  const own = [...new Set([...ownVariables(desired.variables), ...ownVariables(Object.fromEntries(liveValues))])];
  const sync = planVariableSync(live.variables, desired.variables, own);
  const refused: VariableChange[] = [];
  const deleteVariables: { key: string; sid: string }[] = [];
  const desiredPaths = new Set(desired.files.map((file) => file.path));
  for (const variable of sync.remove) {
    const access = accessOf(variable.key, liveValues.get(variable.key), undefined);
    const movesTo = declarationOf.get(variable.key)?.movesTo;
    const moved = movesTo !== undefined && desiredPaths.has(PRIVATE_CONFIG_FILES[movesTo].path);
    const widens = access.direction === 'widens' || access.direction === 'both';
    const change: VariableChange = moved
      ? {
          kind: 'deleted',
          name: variable.key,
          note: `moves into ${PRIVATE_CONFIG_FILES[movesTo].source}`,
          access,
          phase: widens ? 'after-live' : PHASE_OF[access.direction],
        }
      : { kind: 'deleted', name: variable.key, note: 'no longer set', access, phase: PHASE_OF[access.direction] };
    variables.push(change);
    if (widens && !moved && !options.removeVariables?.has(variable.key)) refused.push(change);
    else deleteVariables.push(variable);
  }
  // In the registry's order (the order the doctor lists settings in), the user's own variables last.
  const rank = (name: string) => settingRank.get(name) ?? SETTINGS.length;
  variables.sort((a, b) => rank(a.name) - rank(b.name));
  return { variables, deleteVariables, refused, unread: sync.unread };
}

const configFileByPath = new Map(Object.entries(PRIVATE_CONFIG_FILES).map(([name, file]) => [file.path, name as PrivateConfigFile]));

function fileChanges(desired: readonly DeployFile[], live: readonly LiveFile[] | undefined): Change[] {
  const liveByPath = new Map((live ?? []).map((file) => [file.path, file]));
  const changes: Change[] = [];
  for (const file of desired) {
    const current = liveByPath.get(file.path);
    if (!current) changes.push({ kind: 'added', name: file.path, note: file.visibility });
    else if (current.visibility !== file.visibility)
      changes.push({ kind: 'changed', name: file.path, note: `${current.visibility} -> ${file.visibility}` });
    else if (current.sha256 === undefined)
      changes.push({ kind: 'replaced', name: file.path, note: 'the live build has no fingerprint of it' });
    else if (current.sha256 !== file.sha256) changes.push({ kind: 'changed', name: file.path });
  }
  const desiredPaths = new Set(desired.map((file) => file.path));
  for (const file of live ?? []) if (!desiredPaths.has(file.path)) changes.push({ kind: 'removed', name: file.path });
  return changes;
}

/**
 * @example planDeployment(live, desired, { allowRemoval: new Set() }).variables // [{ kind: 'changed', name: 'TWILIO_API_KEY_SECRET' }]
 */
export function planDeployment(live: LiveState, desired: DesiredState, options: PlanOptions): DeployPlan {
  const { variables, deleteVariables, refused, unread } = variableChanges(live, desired, options);
  const changedNames = new Set(variables.filter((change) => change.kind !== 'added').map((change) => change.name));
  const rotatesKeyPair = changedNames.has('TWILIO_API_KEY_SID') && changedNames.has('TWILIO_API_KEY_SECRET');

  const isConfigFile = (file: { kind: string; path: string }) => file.kind === 'asset' && configFileByPath.has(file.path);
  const allChanges = (kind: 'function' | 'asset', config: boolean) =>
    fileChanges(
      desired.files.filter((file) => file.kind === kind && isConfigFile(file) === config),
      live.build?.files.filter((file) => file.kind === kind && isConfigFile(file) === config),
    );
  const privateFiles = allChanges('asset', true);
  const refusedRemovals = privateFiles
    .filter((change) => change.kind === 'removed')
    .map((change) => configFileByPath.get(change.name)!)
    .filter((name) => !options.allowRemoval.has(name));

  const runtime: Change | undefined =
    live.build && live.build.runtime !== desired.runtime
      ? { kind: 'changed', name: 'runtime', note: `${live.build.runtime} -> ${desired.runtime}` }
      : undefined;
  const liveDependencies = new Map((live.build?.dependencies ?? []).map((dependency) => [dependency.name, dependency.version]));
  const dependencies: Change[] = [];
  for (const { name, version } of desired.dependencies) {
    const current = liveDependencies.get(name);
    if (current === undefined) dependencies.push({ kind: 'added', name, note: version });
    else if (current !== version) dependencies.push({ kind: 'changed', name, note: `${current} -> ${version}` });
  }
  const desiredNames = new Set(desired.dependencies.map((dependency) => dependency.name));
  for (const [name, version] of liveDependencies) if (!desiredNames.has(name)) dependencies.push({ kind: 'removed', name, note: version });

  const functions = allChanges('function', false);
  const assets = allChanges('asset', false);
  const newBuild = !live.build || [privateFiles, functions, assets, dependencies].some((list) => list.length > 0) || runtime !== undefined;
  return {
    createService: !live.service,
    createEnvironment: !live.environment,
    fixIncludeCredentials: live.service?.includeCredentials === true,
    variables,
    deleteVariables,
    rotatesKeyPair,
    privateFiles,
    functions,
    assets,
    ...(runtime && { runtime }),
    dependencies,
    newBuild,
    leftAlone: unread,
    refusedRemovals,
    refusedVariableRemovals: refused,
  };
}

/** How many things the plan changes (0: the service already is what this checkout deploys). */
export function countChanges(plan: DeployPlan): number {
  return (
    Number(plan.createService) +
    Number(plan.createEnvironment) +
    Number(plan.fixIncludeCredentials) +
    [plan.variables, plan.privateFiles, plan.functions, plan.assets, plan.dependencies].reduce((sum, list) => sum + list.length, 0) +
    Number(plan.runtime !== undefined)
  );
}

const SIGN: Record<Change['kind'], string> = { added: '+', changed: '~', replaced: '~', deleted: '-', removed: '-' };

function changeLine(what: string, change: Change): string {
  return `  ${SIGN[change.kind]} ${what} ${change.name} ${change.kind}${change.note ? ` (${change.note})` : ''}`;
}

const ACCESS_WORDS: Readonly<Record<AccessEffect['direction'], string>> = {
  narrows: 'narrows access',
  widens: 'widens access',
  both: 'narrows and widens access',
  none: 'access unchanged',
};

/** "— narrows access: 1 secret revoked": what a variable's change does to access, in words, never a value. */
function accessWords(access: AccessEffect): string {
  return `— ${ACCESS_WORDS[access.direction]}: ${access.words}`;
}

/**
 * The plan as lines: one per change, naming variables and files, never a value, each variable with what it does to
 * access; then the order of the writes (left out with `order: false`, for what still differs after a deploy).
 * @example renderPlan(plan, desired) // ['  ~ variable AUTH_SHARED_SECRETS changed — narrows access: 1 secret revoked', …, '  in this order:', …]
 */
export function renderPlan(plan: DeployPlan, desired: DesiredState, options: { readonly order?: boolean } = {}): string[] {
  const lines: string[] = [];
  if (plan.createService) lines.push(`  + service ${desired.serviceName} created (IncludeCredentials false)`);
  if (plan.createEnvironment) lines.push(`  + environment ${desired.environment || 'production'} created`);
  if (plan.fixIncludeCredentials)
    lines.push('  ~ service IncludeCredentials true -> false (functions stop receiving the account auth token)');
  for (const change of plan.variables) lines.push(`${changeLine('variable', change)} ${accessWords(change.access)}`);
  if (plan.rotatesKeyPair)
    lines.push('    (TWILIO_API_KEY_SID is deleted first and set last, so the old SID never pairs with the new secret)');
  for (const change of plan.privateFiles) lines.push(changeLine('private configuration file', change));
  for (const change of plan.functions) lines.push(changeLine('function', change));
  for (const change of plan.assets) lines.push(changeLine('asset', change));
  if (plan.runtime) lines.push(changeLine('build', plan.runtime));
  for (const change of plan.dependencies) lines.push(changeLine('dependency', change));
  for (const key of plan.leftAlone) lines.push(`  = variable ${key} left alone (not read by this service)`);
  if (options.order !== false && countChanges(plan) > 0) lines.push(...renderOrder(orderedSteps(plan, desired)));
  return lines;
}
