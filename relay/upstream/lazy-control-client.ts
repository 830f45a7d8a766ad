// The control-plane client, loaded on its first call: it pulls in the MCP SDK's client side, which a relay that
// only streams events (the common case after the first subscribe) does not need at start-up (~7 MB, tens of ms;
// test/bench/daemon.ts). Same methods as ControlClient.
import type { ControlClient, ControlClientOptions } from './control-client.js';

type Methods = Pick<ControlClient, 'subscribe' | 'unsubscribe' | 'listSubscriptions' | 'listTopics'>;

export class LazyControlClient implements Methods {
  readonly #options: ControlClientOptions;
  #client: Promise<ControlClient> | undefined;
  #apiKey: string;

  constructor(options: ControlClientOptions) {
    this.#options = options;
    this.#apiKey = options.apiKey;
  }

  #get(): Promise<ControlClient> {
    return (this.#client ??= import('./control-client.js').then((m) => new m.ControlClient({ ...this.#options, apiKey: this.#apiKey })));
  }

  subscribe: Methods['subscribe'] = async (...args) => (await this.#get()).subscribe(...args);
  unsubscribe: Methods['unsubscribe'] = async (...args) => (await this.#get()).unsubscribe(...args);
  listSubscriptions: Methods['listSubscriptions'] = async (...args) => (await this.#get()).listSubscriptions(...args);
  listTopics: Methods['listTopics'] = async (...args) => (await this.#get()).listTopics(...args);

  setApiKey(apiKey: string): void {
    this.#apiKey = apiKey;
    void this.#client?.then((c) => c.setApiKey(apiKey));
  }

  async close(): Promise<void> {
    if (this.#client) await (await this.#client).close();
  }
}
