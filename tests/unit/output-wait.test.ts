/**
 * RunningServer.waitForOutput's wait (waitForLines), against an output that grows as a pipe delivers it: it resolves
 * once the awaited complete lines are there, never on half a line, and fails with the output's tail when they do not
 * come in time or the server exits.
 */
import { waitForLines } from '../helpers/twilio-run-server';

/** An output that grows by `chunks`, one every 30 ms, as twilio-run's pipe would deliver them. */
function growing(chunks: string[]): { output: () => string; done: Promise<void> } {
  let text = '';
  const done = (async () => {
    for (const chunk of chunks) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      text += chunk;
    }
  })();
  return { output: () => text, done };
}
const running = () => false;

it('resolves with the matching lines once `count` of them have arrived, however late', async () => {
  const pipe = growing(['{"event":"token_request","status":401}\n', 'starting\n', '{"event":"token_request","status":200}\n']);
  const lines = await waitForLines(pipe.output, running, /"event":"token_request"/, { count: 2 });
  expect(lines).toEqual(['{"event":"token_request","status":401}', '{"event":"token_request","status":200}']);
  await pipe.done;
});

it('never counts a line still being written, and looks only past `since`', async () => {
  const pipe = growing(['{"event":"token_request","status":', '200}\n']);
  const matched = await waitForLines(pipe.output, running, (line) => line.startsWith('{'), { since: 0 });
  expect(matched).toEqual(['{"event":"token_request","status":200}']);
  const old = 'old "code":"x"\n';
  await expect(waitForLines(() => `${old}new\n`, running, /"code":"x"/, { since: old.length, timeoutMs: 100 })).rejects.toThrow(
    /after 100 ms, 0 of 1 lines match \/"code":"x"\/; its output ends:\nnew/,
  );
  await pipe.done;
});

it('a global RegExp matches every line alike (no lastIndex carried over)', async () => {
  const lines = await waitForLines(() => 'a=1\na=2\na=3\n', running, /a=\d/g, { count: 3 });
  expect(lines).toHaveLength(3);
});

it('fails at once when the server has exited, showing the end of its output', async () => {
  await expect(
    waitForLines(
      () => 'listening\nError: boom\n',
      () => true,
      /issued/,
      { timeoutMs: 60_000 },
    ),
  ).rejects.toThrow(/the server exited, 0 of 1 lines match \/issued\/; its output ends:\nlistening\nError: boom/);
});
