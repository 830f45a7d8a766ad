// The control-plane client, loaded on its first call: it pulls in the MCP SDK's client side, which a relay that
// only streams events (the common case after the first subscribe) does not need at start-up (~7 MB, tens of ms;
// test/bench/daemon.ts). Same methods as ControlClient.
import type { ControlClient, ControlClientOptions } from './control-client.js';
import type { BearerCredentials } from './credentials.js';

type Methods = Pick<ControlClient, 'subscribe' | 'unsubscribe' | 'listSubscriptions' | 'listTopics'>;

export class LazyControlClient implements Methods {
  readonly #options: ControlClientOptions;
  #client: Promise<ControlClient> | undefined;
  #apiKey: string;
  #credentials: BearerCredentials | undefined;

  constructor(options: ControlClientOptions) {
    this.#options = options;
    this.#apiKey = options.apiKey;
    this.#credentials = options.credentials;
  }

  #get(): Promise<ControlClient> {
    return (this.#client ??= import('./control-client.js').then((m) => new m.ControlClient({ ...this.#options, apiKey: this.#apiKey, credentials: this.#credentials })));
  }

  subscribe: Methods['subscribe'] = async (...args) => (await this.#get()).subscribe(...args);
  unsubscribe: Methods['unsubscribe'] = async (...args) => (await this.#get()).unsubscribe(...args);
  listSubscriptions: Methods['listSubscriptions'] = async (...args) => (await this.#get()).listSubscriptions(...args);
  listTopics: Methods['listTopics'] = async (...args) => (await this.#get()).listTopics(...args);

  /** A new key, or (with `credentials`) a new sign-in; an API key again when `credentials` is absent. */
  setApiKey(apiKey: string, credentials?: BearerCredentials): void {
    this.#apiKey = apiKey;
    this.#credentials = credentials;
    void this.#client?.then((c) => c.setApiKey(apiKey, credentials));
  }

  async close(): Promise<void> {
    if (this.#client) await (await this.#client).close();
  }
}
