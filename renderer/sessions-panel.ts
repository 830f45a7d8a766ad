// The sessions panel of the inbox page: the Claude Code sessions the relay knows (relay/sessions/), each with
// its project, state (working / idle-watching / waiting in wait_for_event) and last hand-over, and the mode.
// Sessions change without a status event (a hook's report), so the panel asks again every few seconds while
// the page is visible. Paths come from hooks on this machine: text nodes only, like everything in the renderer.
import { LOCAL_API, localApiPath, type SessionsResponse, type SessionView } from '../relay/protocol/local-api.js';
import type { RelayClient } from './api.js';
import { $, clear, h } from './dom.js';
import { plural, timeEl } from './format.js';

const REFRESH_MS = 5000;

const STATE_TEXT: Record<SessionView['state'], string> = {
  working: 'working',
  'idle-watching': 'idle, watching for events',
  waiting: 'waiting in wait_for_event',
  gone: 'gone',
};

export class SessionsPanel {
  readonly #client: RelayClient;
  readonly #list = $<HTMLUListElement>('session-list');
  readonly #summary = $('sessions-summary');
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(client: RelayClient) {
    this.#client = client;
    document.addEventListener('visibilitychange', () => (document.hidden ? this.stop() : this.start()));
  }

  start(): void {
    if (this.#timer !== undefined) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async refresh(): Promise<void> {
    let answer: SessionsResponse;
    try {
      answer = await this.#client.get<SessionsResponse>(localApiPath(LOCAL_API.sessions, { include_gone: false }));
    } catch {
      return; // the connection banner says why; the panel keeps what it showed
    }
    this.render(answer);
  }

  render({ mode, sessions }: SessionsResponse): void {
    this.#summary.textContent = `${plural(sessions.length, 'Claude Code session')} · mode ${mode === 'shared' ? 'shared (each event to one session)' : 'per-session (every session sees every event)'}`;
    clear(this.#list);
    for (const s of sessions) {
      const project = s.root ?? s.cwd ?? 'project unknown';
      this.#list.append(
        h(
          'li',
          { class: 'session', 'data-session': s.session_id, 'data-state': s.state },
          h('span', { class: 'session-project mono', title: s.remote ?? project }, project),
          h('span', { class: `session-state state-${s.state}` }, STATE_TEXT[s.state]),
          h('span', { class: 'muted session-handover' }, 'last hand-over ', s.last_handover_at ? timeEl(s.last_handover_at) : 'never', ` · ${plural(s.handed_over, 'event')}`),
          h('span', { class: 'muted mono session-id' }, s.session_id.slice(0, 8)),
        ),
      );
    }
  }
}
