// Settings → "MCP servers as event sources": each standard MCP upstream of settings.json with its live state,
// the two toggles a person flips here, Enabled and Allow push (the gate: a server pushes into agents only
// when its entry says so, never implied), and the experimental Events extension (a switch and its type globs). Adding and removing servers is `push-relay upstream` on the command
// line. Everything a server said (its last error) is shown as text, never as markup.
import { errorText, type RelayClient } from './api.js';
import { LOCAL_API, type McpUpstreamStatus, type UpstreamsResponse, type UpstreamToggle } from '../relay/protocol/local-api.js';
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
      row.appendChild(this.#eventsControls(u.name, u.events));
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

  /**
   * The Events extension (experimental): a switch, and the event type globs to subscribe (comma or space
   * separated; their arguments are set on the command line or in settings.json and kept here).
   */
  #eventsControls(name: string, events: { enabled: boolean; types: string[] }): HTMLElement {
    const on = h('input', { type: 'checkbox', 'data-toggle': 'events' });
    on.checked = events.enabled;
    on.addEventListener('change', () => void this.#post({ name, events: { enabled: on.checked } }, [on], () => (on.checked = !on.checked)));
    const types = h('input', { type: 'text', class: 'mono', 'aria-label': 'Event types', placeholder: 'deal.*, ticket.created', value: events.types.join(', ') });
    const save = h('button', { type: 'button' }, 'Save types');
    const submit = () => void this.#post({ name, events: { types: types.value.split(/[\s,]+/).filter(Boolean) } }, [types, save], () => undefined);
    save.addEventListener('click', submit);
    types.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') submit();
    });
    return h('div', { class: 'pause-row', 'data-events-controls': '' }, h('label', { class: 'check' }, on, ' Events extension (experimental)'), types, save);
  }

  #toggle(name: string, field: 'enabled' | 'allowPush', label: string, checked: boolean): HTMLElement {
    const input = h('input', { type: 'checkbox', 'data-toggle': field });
    input.checked = checked;
    input.addEventListener('change', () => void this.#set(name, field, input.checked, input));
    return h('label', { class: 'check' }, input, ` ${label}`);
  }

  async #set(name: string, field: 'enabled' | 'allowPush', value: boolean, input: HTMLInputElement): Promise<void> {
    await this.#post({ name, [field]: value }, [input], () => (input.checked = !value));
  }

  /** Sends one change; the page shows what the relay saved, or says why not and undoes the control. */
  async #post(change: UpstreamToggle, controls: (HTMLInputElement | HTMLButtonElement)[], undo: () => void): Promise<void> {
    for (const c of controls) c.disabled = true;
    try {
      const res = await this.#d.client.post<UpstreamsResponse>(LOCAL_API.upstreams, change);
      this.#render(res);
      if (res.message) this.#d.toast(res.message);
    } catch (err) {
      undo();
      for (const c of controls) c.disabled = false;
      this.#d.toast(`Not saved: ${errorText(err)}`);
    }
  }
}
