// A real relay for the hook tests: an in-process reference server (so the test controls `emit`) and
// `bin/push-relay daemon` on a temp home, subscribed to every topic the tests use.
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

export interface RelayHarness {
  server: ReferenceServer;
  relay: CliProcess;
  api: RelayApi;
  home: TempDir;
  /** Emits upstream and resolves once the relay's inbox holds the event. */
  emit(topic: string, payload?: Record<string, unknown>): Promise<{ event_id: number }>;
  /** Stops the daemon (SIGTERM) and starts a new one on the same home; `api` follows it. */
  restartRelay(): Promise<void>;
  /** Acks everything pending for a consumer (a clean slate between tests). */
  drain(consumer?: string): Promise<void>;
  close(): Promise<void>;
}

const TENANT = 't1';
const KEY = 'hook-test-key';

/** `daemonArgs`/`daemonEnv`: more flags and env for the daemon (e.g. a short `--claim-lease-ms`). */
export async function startRelayHarness(options: { homePath?: string; daemonArgs?: string[]; daemonEnv?: NodeJS.ProcessEnv } = {}): Promise<RelayHarness> {
  const server = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  const home: TempDir = options.homePath ? { path: options.homePath, cleanup: async () => undefined } : await tempDir('hooks-home-');
  const startRelay = async () => {
    const relay = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', 'hooks-test', ...(options.daemonArgs ?? [])], {
      PUSH_RELAY_API_KEY: KEY,
      ...options.daemonEnv,
    });
    const api = relayApi(await relay.line('listening', 30_000), home.path);
    return { relay, api };
  };
  const upstreamOpen = (api: RelayApi) =>
    waitFor(async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open', {
      what: 'upstream open',
      timeoutMs: 20_000,
    });
  const first = await startRelay();
  await first.api.post('/v1/subscriptions', { topic: ['deal.*', 'ticket.*', 'account.*', 'custom.*'] });
  await upstreamOpen(first.api);
  const harness: RelayHarness = {
    server,
    relay: first.relay,
    api: first.api,
    home,
    async restartRelay() {
      await harness.relay.kill();
      const next = await startRelay();
      harness.relay = next.relay;
      harness.api = next.api;
      await upstreamOpen(next.api);
    },
    async emit(topic, payload = {}) {
      const api = harness.api;
      const logged = await server.emit(TENANT, { topic, payload });
      // The newest events are enough to look at (the inbox may hold megabytes of earlier test payloads).
      const recent = async () => (await api.get<{ events: { event_id: number }[] }>('/v1/events?limit=20')).events;
      await waitFor(async () => (await recent()).some((e) => e.event_id === logged.event_id), {
        what: `event ${logged.event_id} in the inbox`,
        timeoutMs: 20_000,
        intervalMs: 25,
      });
      return { event_id: logged.event_id };
    },
    async drain(consumer = 'claude-code') {
      await harness.api.get(`/v1/pending?consumer=${encodeURIComponent(consumer)}&ack=true&limit=1000`);
    },
    async close() {
      await harness.relay.kill();
      await server.close();
      await home.cleanup();
    },
  };
  return harness;
}
