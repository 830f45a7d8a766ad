// A live relay for the renderer e2e: an in-process reference push server (so a test can emit events, inject
// 401s and read its store) and `bin/push-relay daemon` against it as a real child process, as a user runs it.
// `relay` is shared by the tests of a worker; `freshRelay` is a private one for tests that break things.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { EmitInput } from '../../../relay/reference-server/schemas.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

export const TENANT = 'e2e';
export const API_KEY = 'e2e-key';
export const CLIENT_ID = 'e2e-ui';

export interface ApiEventLike {
  seq: number;
  event_id: number;
  topic: string;
  payload: Record<string, unknown>;
}

export class RelayEnv {
  readonly ref: ReferenceServer;
  readonly home: TempDir;
  daemon!: CliProcess;
  url = '';
  token = '';
  api!: RelayApi;
  #port = 0;

  private constructor(ref: ReferenceServer, home: TempDir) {
    this.ref = ref;
    this.home = home;
  }

  static async start(): Promise<RelayEnv> {
    const ref = await startReferenceServer({ tokens: { [API_KEY]: TENANT }, heartbeatMs: 1000 });
    const env = new RelayEnv(ref, await tempDir('push-relay-ui-e2e-'));
    await env.startDaemon(0);
    // Nothing reaches a relay that has no subscription; this one takes every topic.
    await env.api.post('/v1/subscriptions', { topic: ['*'], client_label: 'e2e: everything' });
    return env;
  }

  /** Starts the daemon (again) on this home; `port` 0 = any, else the same port as before. */
  async startDaemon(port: number): Promise<void> {
    this.daemon = startCli(
      ['daemon', '--home', this.home.path, '--local-port', String(port), '--server', this.ref.url, '--client-id', CLIENT_ID, '--heartbeat-ms', '1000'],
      { PUSH_RELAY_API_KEY: API_KEY, PUSH_RELAY_HOME: '', PUSH_RELAY_SERVER: '' },
    );
    this.url = await this.daemon.line('listening', 30_000);
    this.#port = Number(new URL(this.url).port);
    this.token = readFileSync(join(this.home.path, 'local-token'), 'utf8').trim();
    this.api = relayApi(this.url, this.home.path);
    await this.waitForUpstream('open');
  }

  async stopDaemon(): Promise<void> {
    const exited = this.daemon.kill('SIGTERM');
    const timer = setTimeout(() => this.daemon.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  restartDaemon(): Promise<void> {
    return this.startDaemon(this.#port);
  }

  get inboxUrl(): string {
    return `${this.url}/#token=${this.token}`;
  }

  async waitForUpstream(state: string): Promise<void> {
    await waitFor(
      async () => (await this.api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === state,
      { timeoutMs: 20_000, intervalMs: 50, what: `upstream state ${state}` },
    );
  }

  /** Emits on the reference server and waits until the relay's inbox holds the event; returns it. */
  async emit(topic: string, payload: Record<string, unknown>, extra: Partial<EmitInput> = {}): Promise<ApiEventLike> {
    const logged = await this.ref.emit(TENANT, { topic, payload, ...extra });
    return waitFor(
      async () => {
        const { events } = await this.api.get<{ events: ApiEventLike[] }>(`/v1/events?limit=50&topic=${encodeURIComponent(topic)}`);
        return events.find((e) => e.event_id === logged.event_id);
      },
      { timeoutMs: 20_000, intervalMs: 25, what: `event ${logged.event_id} (${topic}) in the relay's inbox` },
    );
  }

  async close(): Promise<void> {
    if (this.daemon.child.exitCode === null && this.daemon.child.signalCode === null) await this.stopDaemon();
    await this.ref.close();
    await this.home.cleanup();
  }
}

/** Opens the inbox with the token in the fragment, as the daemon's `inbox <url>` line does. */
export async function openInbox(page: Page, env: RelayEnv, hash = ''): Promise<void> {
  await page.goto(`${env.url}/#token=${env.token}${hash}`);
  await expect(page.locator('#conn')).toHaveAttribute('data-state', 'open');
  await expect(page.locator('#event-list')).toHaveAttribute('aria-busy', 'false');
}

/** A per-test marker that keeps the shared inbox's events apart. */
export function marker(prefix = 'm'): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

export const test = base.extend<{ freshRelay: RelayEnv }, { relay: RelayEnv }>({
  relay: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form even with no dependencies
    async ({}, use) => {
      const env = await RelayEnv.start();
      await use(env);
      await env.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // eslint-disable-next-line no-empty-pattern -- as above
  freshRelay: async ({}, use) => {
    const env = await RelayEnv.start();
    await use(env);
    await env.close();
  },
});

export { expect };
