// The one reader of the agent's text/event-stream bodies (job events, benchmark progress, model pulls): yields
// each message's `event:` name and its `data:` lines parsed as JSON; comments and heartbeats are skipped.
import { ConsoleError } from '../contracts/define.js';

export async function* readServerSentEvents(response: Response): AsyncGenerator<{ event: string; data: unknown }> {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent sent an event that is not JSON: ${data.slice(0, 80)}`);
        }
        yield { event, data: parsed };
      }
    }
  } finally {
    // Leaving early (a consumer that has what it needs) cancels the rest of the body.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
