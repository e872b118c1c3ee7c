/**
 * The order a plan's writes are sent in, so that access is never wider than both the old and the new configuration:
 * narrowing variable changes (a revoked secret, a shorter TTL, a pinned room) before anything is uploaded; the new
 * Build uploaded and built (nothing live changes); the changes that leave access as it is or change it both ways,
 * with the signing key's SID last (deleted first when both halves of the key change, so a half-done rotation fails
 * closed instead of pairing the old SID with the new secret); the Build activated; and only then the widening changes
 * (a new user, a longer TTL, a limit removed with --remove, a policy moved into its file). One list serves the apply,
 * its journal and the printed plan, so what is printed is what is done.
 */
import type { DeployPlan, DesiredState, VariableChange, WritePhase } from './plan';

const KEY_SID = 'TWILIO_API_KEY_SID';

export type OrderedStep =
  | { readonly kind: 'service' | 'environment' | 'upload' | 'build' | 'activate'; readonly label: string }
  | { readonly kind: 'rotation'; readonly label: string; readonly name: string }
  | { readonly kind: 'set' | 'delete'; readonly label: string; readonly name: string; readonly phase: WritePhase };

function variableSteps(plan: DeployPlan, phase: WritePhase): OrderedStep[] {
  const deleted = new Set(plan.deleteVariables.map((variable) => variable.key));
  const inPhase = plan.variables.filter((change) => change.phase === phase && (change.kind !== 'deleted' || deleted.has(change.name)));
  // The key SID after everything else in its phase (after its secret).
  const ordered = [...inPhase.filter((change) => change.name !== KEY_SID), ...inPhase.filter((change) => change.name === KEY_SID)];
  return ordered.map((change: VariableChange) =>
    change.kind === 'deleted'
      ? { kind: 'delete', label: `delete variable ${change.name}`, name: change.name, phase }
      : { kind: 'set', label: `set variable ${change.name}`, name: change.name, phase },
  );
}

/**
 * Every write of the plan, in the order it is sent: the one list the plan prints (renderOrder), the apply turns into
 * requests (apply.ts) and the journal runs and reports. The upload counts the checkout's files (desired.files).
 * @example orderedSteps(plan, desired).map((step) => step.label)
 * // ['delete variable AUTH_SHARED_SECRETS', 'upload 2 functions and 5 assets', 'build them (not live yet)', …]
 */
export function orderedSteps(plan: DeployPlan, desired: DesiredState): OrderedStep[] {
  const files = (kind: DesiredState['files'][number]['kind']) => desired.files.filter((file) => file.kind === kind).length;
  const steps: OrderedStep[] = [];
  if (plan.createService) steps.push({ kind: 'service', label: `create service ${desired.serviceName} (IncludeCredentials false)` });
  else if (plan.fixIncludeCredentials) steps.push({ kind: 'service', label: 'set the service IncludeCredentials false' });
  if (plan.createEnvironment) steps.push({ kind: 'environment', label: `create environment ${desired.environment || 'production'}` });
  steps.push(...variableSteps(plan, 'before-upload'));
  if (plan.rotatesKeyPair)
    steps.push({ kind: 'rotation', label: `delete variable ${KEY_SID} (key rotation: set again last)`, name: KEY_SID });
  if (plan.newBuild) {
    steps.push({ kind: 'upload', label: `upload ${files('function')} functions and ${files('asset')} assets` });
    steps.push({ kind: 'build', label: 'build them (not live yet)' });
  }
  steps.push(...variableSteps(plan, 'before-live'));
  if (plan.newBuild) steps.push({ kind: 'activate', label: 'activate the new build (it goes live)' });
  steps.push(...variableSteps(plan, 'after-live'));
  return steps;
}

const PHASE_HEADINGS: Readonly<Record<WritePhase, string>> = {
  'before-upload': 'narrowing access, before anything is uploaded',
  'before-live': 'access unchanged or both ways, before the new build goes live',
  'after-live': 'widening access, once the new build is live',
};
/** The same reasons for a plan that uploads nothing (a variables-only deploy, a key rotation): no build to wait for. */
const PHASE_HEADINGS_WITHOUT_BUILD: Readonly<Record<WritePhase, string>> = {
  'before-upload': 'narrowing access, first',
  'before-live': 'access unchanged or both ways',
  'after-live': 'widening access, last',
};

/**
 * The order as the plan prints it: one numbered line per step, each variable write with the reason for its place.
 * @example renderOrder(steps) // ['  in this order:', '    1. delete variable AUTH_SHARED_SECRETS (narrowing access, before anything is uploaded)', …]
 */
export function renderOrder(steps: readonly OrderedStep[]): string[] {
  if (steps.length === 0) return [];
  const headings = steps.some((step) => step.kind === 'activate') ? PHASE_HEADINGS : PHASE_HEADINGS_WITHOUT_BUILD;
  return [
    '  in this order:',
    ...steps.map((step, index) => `    ${index + 1}. ${step.label}${'phase' in step ? ` (${headings[step.phase]})` : ''}`),
  ];
}
