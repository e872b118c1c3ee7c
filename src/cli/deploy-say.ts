/** Prints one line of npm run deploy's report on stdout (the tests read these lines). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
