// The delivery receipts of the event open in the detail (GET /v1/events/<seq>/receipts): who took or saw it,
// through which path, when, and whether that consumer acked it — the page's answer to "did my agent ever see
// that event?". Fetched each time an event opens (receipts change as agents take events; no stream carries them).
import { errorText, type RelayClient } from './api.js';
import { eventReceiptsPath, type ApiReceipt, type ReceiptKind, type ReceiptsResponse } from '../relay/protocol/local-api.js';
import { $, clear, h } from './dom.js';
import { absoluteTime, relativeTime } from './format.js';

/** How each path reads in the page. */
const VIA_TEXT: Record<ReceiptKind, string> = {
  stop_hook: 'Claude Code Stop hook',
  prompt_context: 'Claude Code prompt context',
  session_start: 'Claude Code session start',
  idle_wake: 'Claude Code idle wake',
  wait_for_event: 'wait_for_event (MCP)',
  get_pending_events: 'get_pending_events (MCP)',
  channel: 'channel push (MCP)',
  watch: 'push-relay watch',
  http: 'local API',
  shown: 'desktop popup shown',
  clicked: 'desktop popup clicked',
  failed: 'desktop popup failed',
};

export class ReceiptsView {
  readonly #client: RelayClient;
  readonly #list = $<HTMLUListElement>('detail-receipts');
  /** The load in flight: a newer one (another event opened) aborts it. */
  #loading: AbortController | undefined;

  constructor(client: RelayClient) {
    this.#client = client;
  }

  async load(seq: number): Promise<void> {
    this.#loading?.abort();
    const loading = new AbortController();
    this.#loading = loading;
    clear(this.#list);
    this.#list.append(h('li', { class: 'muted' }, 'Loading…'));
    let body: ReceiptsResponse | undefined;
    let failure = '';
    try {
      body = await this.#client.get<ReceiptsResponse>(eventReceiptsPath(seq), loading.signal);
    } catch (err) {
      if (loading.signal.aborted) return;
      failure = errorText(err);
    }
    if (loading.signal.aborted) return;
    clear(this.#list);
    if (!body) {
      this.#list.append(h('li', { class: 'muted' }, `Receipts unavailable: ${failure}`));
      return;
    }
    if (body.receipts.length === 0) this.#list.append(h('li', { class: 'muted' }, 'Not taken by any agent and not shown as a popup yet.'));
    for (const r of body.receipts) this.#list.append(row(r));
    if (body.overflow > 0) this.#list.append(h('li', { class: 'muted' }, `+${body.overflow} more not kept (at most a few per event).`));
  }

  cancel(): void {
    this.#loading?.abort();
    this.#loading = undefined;
  }
}

function row(r: ApiReceipt): HTMLLIElement {
  const who = [r.consumer ? `consumer ${r.consumer}` : '', r.session ? `session ${r.session}` : ''].filter(Boolean).join(', ');
  return h(
    'li',
    { 'data-via': r.via },
    h('span', { class: 'via' }, VIA_TEXT[r.via] ?? r.via),
    who ? ` · ${who}` : '',
    ' · ',
    h('time', { datetime: r.at, title: absoluteTime(r.at) }, relativeTime(r.at)),
    r.acked_at ? ` · acked ${relativeTime(r.acked_at)}` : '',
  );
}
