// One admin dashboard of `npm run bench:surveys` in a process of its own, as each dashboard is its
// own browser: it listens on the event stream and notes when each `response` event arrived.
//   env SURVEYS_BENCH_PORT, SURVEYS_BENCH_COOKIE (the admin session's cookie header)
//   IPC in:  {type: 'ping', t}  -> {type: 'pong', t, now}  (the parent measures the clock offset)
//            {type: 'stop'}     -> {type: 'result', count, events: [key, at][]}, then exits
//   IPC out: {type: 'ready'} once the stream answered 200, or {type: 'failed', error}.
// Times are wall-clock milliseconds (surveys-stream.ts wallNow).
import { listenForResponses, wallNow } from './surveys-stream.js';

type Message = { type: 'ping'; t: number } | { type: 'stop' };

try {
  const listening = await listenForResponses(
    Number(process.env.SURVEYS_BENCH_PORT),
    process.env.SURVEYS_BENCH_COOKIE ?? '',
  );
  process.on('message', (message: Message) => {
    if (message.type === 'ping') process.send!({ type: 'pong', t: message.t, now: wallNow() });
    else {
      const { count, events } = listening.stop();
      process.send!({ type: 'result', count, events: [...events] }, undefined, {}, () => process.exit(0));
    }
  });
  process.send!({ type: 'ready' });
} catch (err) {
  process.send!({ type: 'failed', error: (err as Error).message }, undefined, {}, () => process.exit(1));
}
