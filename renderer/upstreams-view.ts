// Settings → "MCP servers as event sources": each standard MCP upstream of settings.json with its live state,
// and the two toggles a person flips here, Enabled and Allow push (the gate: a server pushes into agents only
// when its entry says so, never implied). Adding and removing servers is `push-relay upstream` on the command
// line. Everything a server said (its last error) is shown as text, never as markup.
import { errorText, type RelayClient } from './api.js';
import { LOCAL_API, type McpUpstreamStatus, type UpstreamsResponse } from '../relay/protocol/local-api.js';
import { $, clear, h } from './dom.js';

export interface UpstreamsDeps {
  client: RelayClient;
  toast(message: string): void;
}

const STATE_TONE: Record<McpUpstreamStatus['state'], '' | 'ok' | 'warn'> = {
  connected: 'ok',
  connecting: '',
  backoff: 'warn',
  failed: 'warn',
  disabled: '',
  'no-push': '',
  stopped: '',
};

/** The Events extension draft (experimental) on one upstream, in a line: its state and what it stored. */
function eventsExtensionLine(ext: NonNullable<McpUpstreamStatus['events_extension']>): string {
  if (ext.state === 'not_offered') return 'Events extension (experimental): not offered by this server; standard notifications only';
  if (ext.state === 'waiting') return 'Events extension (experimental): waiting for the first connection';
  const counts = [
    `${ext.subscriptions} subscription${ext.subscriptions === 1 ? '' : 's'}`,
    `${ext.stored.toLocaleString()} stored`,
    ext.duplicates ? `${ext.duplicates.toLocaleString()} resent and dropped` : '',
    ext.truncated ? `${ext.truncated} gap${ext.truncated === 1 ? '' : 's'} (mcp.events.truncated)` : '',
    ext.last_error ? `last: ${ext.last_error}` : '',
  ];
  return `Events extension (experimental): on · ${counts.filter(Boolean).join(' · ')}`;
}

export class UpstreamsView {
  readonly #d: UpstreamsDeps;
  #loaded: UpstreamsResponse | null = null;

  constructor(deps: UpstreamsDeps) {
    this.#d = deps;
  }

  async refresh(): Promise<void> {
    try {
      this.#render(await this.#d.client.get<UpstreamsResponse>(LOCAL_API.upstreams));
    } catch (err) {
      const body = $('upstreams-body');
      clear(body);
      body.appendChild(h('p', { class: 'muted' }, `Could not load the MCP upstreams: ${errorText(err)}`));
    }
  }

  /** Live states from a status message (the entries themselves change only through refresh). */
  renderLive(statuses: readonly McpUpstreamStatus[] | undefined): void {
    if (!this.#loaded || !statuses) return;
    const byName = new Map(statuses.map((s) => [s.name, s]));
    this.#render({ ...this.#loaded, upstreams: this.#loaded.upstreams.map((u) => ({ ...u, status: byName.get(u.name) ?? u.status })) });
  }

  #render(res: UpstreamsResponse): void {
    this.#loaded = res;
    const body = $('upstreams-body');
    clear(body);
    if (res.upstreams.length === 0) {
      body.appendChild(h('p', { class: 'muted' }, 'None yet. Add one with: push-relay upstream add NAME --url URL | --stdio -- CMD ARGS… (see the README).'));
      return;
    }
    const list = h('ul', { class: 'upstream-list' });
    for (const u of res.upstreams) {
      const state = u.status?.state ?? (u.enabled ? (u.allowPush ? 'connecting' : 'no-push') : 'disabled');
      const counts = u.status ? `${u.status.stored.toLocaleString()} stored${u.status.dropped ? `, ${u.status.dropped.toLocaleString()} dropped` : ''}` : '';
      const row = h(
        'li',
        { class: 'upstream', 'data-upstream': u.name },
        h('div', { class: 'upstream-head' },
          h('strong', { class: 'mono' }, u.name),
          h('span', { class: `pill ${STATE_TONE[state]}`, 'data-state': state }, state),
          h('span', { class: 'muted mono' }, `${u.type} · ${u.target}`)),
        h('div', { class: 'muted' }, [counts, u.subscribe.length ? `watching ${u.subscribe.join(', ')}` : ''].filter(Boolean).join(' · ')),
      );
      const ext = u.status?.events_extension;
      if (ext) row.appendChild(h('div', { class: 'muted', 'data-events-extension': ext.state }, eventsExtensionLine(ext)));
      if (u.status?.last_error) row.appendChild(h('div', { class: 'muted', 'data-last-error': '' }, `Last error (the server's words, untrusted): ${u.status.last_error.message}`));
      row.appendChild(
        h('div', { class: 'pause-row' }, this.#toggle(u.name, 'enabled', 'Enabled', u.enabled), this.#toggle(u.name, 'allowPush', 'Allow push into agents', u.allowPush)),
      );
      list.appendChild(row);
    }
    body.appendChild(list);
  }

  #toggle(name: string, field: 'enabled' | 'allowPush', label: string, checked: boolean): HTMLElement {
    const input = h('input', { type: 'checkbox', 'data-toggle': field });
    input.checked = checked;
    input.addEventListener('change', () => void this.#set(name, field, input.checked, input));
    return h('label', { class: 'check' }, input, ` ${label}`);
  }

  async #set(name: string, field: 'enabled' | 'allowPush', value: boolean, input: HTMLInputElement): Promise<void> {
    input.disabled = true;
    try {
      const res = await this.#d.client.post<UpstreamsResponse>(LOCAL_API.upstreams, { name, [field]: value });
      this.#render(res);
      if (res.message) this.#d.toast(res.message);
    } catch (err) {
      input.checked = !value;
      input.disabled = false;
      this.#d.toast(`Not saved: ${errorText(err)}`);
    }
  }
}
