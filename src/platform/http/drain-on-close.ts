// Connections end with the answers in flight when the app closes. Node's server.close() ends only
// the connections idle at that moment and then waits for every other one to end; a connection kept
// alive after its in-flight answer (nginx keeps its upstream connections for a minute, browsers
// and fetch keep theirs too) would hold app.close() open until the forced exit (code 1, and the
// onClose hooks, such as the banner impressions' flush, never run).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Node publishes every answer that finishes on this channel (public API since Node 18.7). */
const RESPONSE_FINISH = 'http.server.response.finish';

/** Registered first, so that its onSend hook covers every route. */
export function drainOnClose(app: FastifyInstance): void {
  let closing = false;
  // An answer whose headers went out before the close (a long download) said keep-alive: its
  // connection is ended once it finishes.
  const onFinish = (message: unknown) => {
    const { server, socket } = message as { server: unknown; socket: Socket };
    if (server === app.server) socket.end();
  };
  app.addHook('preClose', (done) => {
    closing = true;
    subscribe(RESPONSE_FINISH, onFinish);
    done();
  });
  // Every other answer from now on says `Connection: close`, so the client does not reuse it and
  // Node ends it once sent.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', (_app, done) => {
    if (closing) unsubscribe(RESPONSE_FINISH, onFinish);
    done();
  });
}
