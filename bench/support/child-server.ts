/**
 * The child side of a benchmark server (bench/http.ts spawns each server in its own process, so that the load
 * generator and the server do not share an event loop). The server listens on a free port on 127.0.0.1 and tells
 * the parent its port over the IPC channel; then it answers the parent's requests (its CPU time, so the parent can
 * tell whether the server or the load generator is the bottleneck; starting and stopping the V8 CPU profiler
 * around a measurement) and shuts down when the parent disconnects (or on SIGTERM/SIGINT).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** What a benchmark server child sends its parent once it listens. */
export interface ChildReady {
  readonly kind: 'ready';
  readonly port: number;
  readonly fastify: string;
}

/** What the parent asks; each request gets one reply with the same `id`. */
export type ChildRequest =
  | { readonly id: number; readonly kind: 'cpu' }
  | { readonly id: number; readonly kind: 'profile-start' }
  | { readonly id: number; readonly kind: 'profile-stop'; readonly file: string };

export interface ChildReply {
  readonly kind: 'reply';
  readonly id: number;
  /** CPU time (user + system) used so far, in microseconds. */
  readonly cpuMicros: number;
  readonly error?: string;
}

export async function serveUntilDisconnected(app: FastifyInstance, stop: () => Promise<void>): Promise<void> {
  if (process.send === undefined) throw new Error('run this from bench/http.ts: it needs an IPC channel');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as AddressInfo;
  let stopping = false;
  const shutDown = () => {
    if (stopping) return;
    stopping = true;
    void stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`benchmark server: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('disconnect', shutDown);
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);

  let session: Session | undefined;
  const handle = async (request: ChildRequest): Promise<void> => {
    if (request.kind === 'profile-start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    } else if (request.kind === 'profile-stop') {
      if (session === undefined) throw new Error('the profiler is not running');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      writeFileSync(request.file, JSON.stringify(profile));
    }
  };
  process.on('message', (request: ChildRequest) => {
    const reply = (error?: string) => {
      const used = process.cpuUsage();
      const answer: ChildReply = {
        kind: 'reply',
        id: request.id,
        cpuMicros: used.user + used.system,
        ...(error === undefined ? {} : { error }),
      };
      process.send?.(answer);
    };
    handle(request).then(
      () => reply(),
      (error: unknown) => reply(String(error)),
    );
  });
  const ready: ChildReady = { kind: 'ready', port: address.port, fastify: app.version };
  process.send(ready);
}
