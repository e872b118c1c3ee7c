/**
 * Children started with `detached: true` lead a process group of their own: signalling the group stops
 * everything they started too (npx and npm leave grandchildren running otherwise).
 */
import type { ChildProcess } from 'node:child_process';

export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** Kills the group if it is still running after `ms`; clear the returned timer when the child exits first. */
export function killGroupAfter(child: ChildProcess, ms: number): NodeJS.Timeout {
  return setTimeout(() => signalGroup(child, 'SIGKILL'), ms);
}

/** SIGTERM to the group, SIGKILL if it has not exited after `graceMs`; resolves once it has exited. */
export async function stopProcessGroup(child: ChildProcess, exited: Promise<void>, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child, 'SIGTERM');
  const killer = killGroupAfter(child, graceMs);
  await exited;
  clearTimeout(killer);
}
