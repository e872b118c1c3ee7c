/** Whether a missing outside tool (Chromium, curl, httpie…) skips its tests or fails the run. */

/**
 * True when `CI` is set to anything but '', '0' or 'false': `.ci/run` installs every tool the suites drive,
 * so a missing one there means the setup broke and must fail; on a developer's machine it is only skipped.
 */
export function missingToolsFailTheRun(): boolean {
  return !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
}
