// The inbox: the live list (newest first), topic-glob and free-text filters, unread/read, and the detail of one
// event with its full payload as text. Keyboard: Tab reaches the list once (roving tabindex), arrows/Home/End
// move within it, Enter/Space open an event, Escape closes the detail and returns to its row.
import { compileTopicGlob, TopicPatternSchema } from '../relay/protocol/topic-glob.js';
import { errorText, type RelayClient } from './api.js';
import { LOCAL_API, localApiPath, type AckRequest, type AckResponse, type ApiEvent, type EventsResponse, type PendingResponse } from '../relay/protocol/local-api.js';
import { $, clear, h } from './dom.js';
import { absoluteTime, jsonNodes, plural, relativeTime, searchText, summarize, timeEl } from './format.js';
import { UI_CONSUMER, type InboxModel } from './inbox-model.js';
import { ReceiptsView } from './receipts-view.js';

/** Rows rendered at most; the filter narrows the rest. */
const MAX_ROWS = 500;
const PAGE = 200;

export interface InboxDeps {
  client: RelayClient;
  model: InboxModel;
  toast(message: string): void;
  /** The selection changed (the app mirrors it in the address: `#event=<seq>`). */
  onSelect(seq: number | null): void;
  onUnreadChange(count: number): void;
}

export class InboxView {
  readonly #d: InboxDeps;
  readonly #list = $<HTMLUListElement>('event-list');
  readonly #detail = $('detail');
  readonly #view = $('view-inbox');
  readonly #text = $<HTMLInputElement>('filter-text');
  readonly #topic = $<HTMLInputElement>('filter-topic');
  #selected: number | null = null;
  #unreadOnly = false;
  #topicMatch: ((topic: string) => boolean) | null = null;
  /** Why the topic pattern is refused ('' when it is valid or empty): the empty list says this, not "no match". */
  #topicError = '';
  #fresh = new Set<number>();
  #renderQueued = false;
  #searchCache = new WeakMap<ApiEvent, string>();
  #olderExhausted = false;
  #knownTopics = new Set<string>();
  readonly #receipts: ReceiptsView;

  constructor(deps: InboxDeps) {
    this.#d = deps;
    this.#receipts = new ReceiptsView(deps.client);
    this.#text.addEventListener('input', () => this.render());
    this.#topic.addEventListener('input', () => this.#onTopicInput());
    $('show-all').addEventListener('click', () => this.#setUnreadOnly(false));
    $('show-unread').addEventListener('click', () => this.#setUnreadOnly(true));
    $('mark-all-read').addEventListener('click', () => void this.markAllRead());
    $('load-older').addEventListener('click', () => void this.loadOlder());
    $('detail-close').addEventListener('click', () => this.closeDetail());
    $('detail-ack').addEventListener('click', () => {
      if (this.#selected !== null) void this.ackUpTo(this.#selected);
    });
    $('detail-copy').addEventListener('click', () => void this.#copy());
    this.#list.addEventListener('keydown', (e) => this.#onListKey(e));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.#selected !== null && !this.#view.hidden && !e.defaultPrevented) {
        e.preventDefault();
        this.closeDetail();
      }
    });
    // Relative times age; refresh them without rebuilding the list.
    setInterval(() => {
      for (const t of document.querySelectorAll<HTMLTimeElement>('time[data-ts]')) t.textContent = relativeTime(t.dataset.ts);
    }, 30_000);
  }

  get selected(): number | null {
    return this.#selected;
  }

  /** New events from the stream or a backfill. */
  added(events: readonly ApiEvent[], live: boolean): void {
    if (live) for (const e of events) this.#fresh.add(e.seq);
    this.render();
  }

  /** Coalesces bursts: one rebuild per frame. */
  render(): void {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    requestAnimationFrame(() => {
      this.#renderQueued = false;
      this.#renderNow();
    });
  }

  /** Selects an event by seq, fetching it if it is not loaded (deep links from notifications). */
  async show(seq: number, focus: 'detail' | 'row' | 'none' = 'detail'): Promise<void> {
    let event = this.#d.model.get(seq);
    if (!event) {
      try {
        const res = await this.#d.client.get<EventsResponse>(localApiPath(LOCAL_API.events, { since: Math.max(0, seq - 1), limit: 1 }));
        if (res.events[0]?.seq === seq) {
          this.#d.model.add(res.events);
          event = res.events[0];
        }
      } catch (err) {
        this.#d.toast(`Could not load event ${seq}: ${errorText(err)}`);
        return;
      }
    }
    if (!event) {
      this.#d.toast(`Event ${seq} is no longer in the inbox (retention removed it, or it never existed).`);
      this.closeDetail();
      return;
    }
    this.#select(event.seq, focus);
  }

  closeDetail(): void {
    const was = this.#selected;
    if (was === null) return;
    this.#selected = null;
    this.#receipts.cancel();
    this.#detail.hidden = true;
    this.#view.classList.remove('has-detail');
    this.#d.onSelect(null);
    this.#renderNow();
    this.#rowButton(was)?.focus();
  }

  async markAllRead(): Promise<void> {
    const newest = this.#d.model.newestSeq;
    if (newest > 0) await this.ackUpTo(newest, 'All events marked read.');
  }

  async ackUpTo(seq: number, done?: string): Promise<void> {
    try {
      const state = await this.#d.client.post<AckResponse>(LOCAL_API.ack, { consumer: UI_CONSUMER, up_to_seq: seq } satisfies AckRequest);
      this.#d.model.setCursor(state.cursor);
      if (done) this.#d.toast(done);
    } catch (err) {
      this.#d.toast(`Could not mark read: ${errorText(err)}`);
    }
    this.#renderNow();
  }

  async loadOlder(): Promise<void> {
    const oldest = this.#d.model.oldestSeq;
    if (!Number.isFinite(oldest) || oldest <= 1) return;
    const button = $<HTMLButtonElement>('load-older');
    button.disabled = true;
    try {
      const since = Math.max(0, oldest - 1 - PAGE);
      const res = await this.#d.client.get<EventsResponse>(localApiPath(LOCAL_API.events, { since, limit: PAGE }));
      const older = res.events.filter((e) => e.seq < oldest);
      this.#d.model.add(older);
      if (older.length === 0 || since === 0) this.#olderExhausted = true;
    } catch (err) {
      this.#d.toast(`Could not load older events: ${errorText(err)}`);
    } finally {
      button.disabled = false;
    }
    this.#renderNow();
  }

  #select(seq: number, focus: 'detail' | 'row' | 'none'): void {
    this.#selected = seq;
    const target = this.#d.model.markRead(seq);
    if (target !== null) void this.ackUpTo(target);
    this.#renderDetail();
    this.#renderNow();
    this.#d.onSelect(seq);
    if (focus === 'detail') $('detail-title').focus();
    else if (focus === 'row') this.#rowButton(seq)?.focus();
    this.#rowButton(seq)?.scrollIntoView({ block: 'nearest' });
  }

  #setUnreadOnly(on: boolean): void {
    this.#unreadOnly = on;
    $('show-all').setAttribute('aria-pressed', String(!on));
    $('show-unread').setAttribute('aria-pressed', String(on));
    this.render();
  }

  #onTopicInput(): void {
    const raw = this.#topic.value.trim();
    const error = $('filter-topic-error');
    this.#topicError = '';
    if (raw === '') {
      this.#topicMatch = null;
      this.#topic.removeAttribute('aria-invalid');
      error.textContent = '';
    } else {
      const parsed = TopicPatternSchema.safeParse(raw);
      if (!parsed.success) {
        this.#topicMatch = () => false;
        this.#topic.setAttribute('aria-invalid', 'true');
        this.#topicError = parsed.error.issues[0]?.message ?? 'invalid topic pattern';
        error.textContent = this.#topicError;
      } else {
        // Same fnmatch globs as subscriptions; a pattern without a wildcard also matches as a prefix.
        const pattern = /[*?[]/.test(raw) ? raw : `${raw}*`;
        this.#topicMatch = compileTopicGlob(pattern);
        this.#topic.removeAttribute('aria-invalid');
        error.textContent = '';
      }
    }
    this.render();
  }

  #visible(): ApiEvent[] {
    const text = this.#text.value.trim().toLowerCase();
    const words = text === '' ? [] : text.split(/\s+/);
    const model = this.#d.model;
    return model.list().filter((e) => {
      if (this.#unreadOnly && !model.isUnread(e.seq)) return false;
      if (this.#topicMatch && !this.#topicMatch(e.topic)) return false;
      if (words.length > 0) {
        let hay = this.#searchCache.get(e);
        if (hay === undefined) {
          hay = searchText(e);
          this.#searchCache.set(e, hay);
        }
        for (const w of words) if (!hay.includes(w)) return false;
      }
      return true;
    });
  }

  #renderNow(): void {
    const model = this.#d.model;
    const all = model.list();
    const visible = this.#visible();
    const focusedSeq = Number((document.activeElement as HTMLElement | null)?.dataset?.seq ?? NaN);
    const hadFocus = this.#list.contains(document.activeElement);
    const tabSeq = this.#selected ?? (hadFocus ? focusedSeq : NaN);

    const frag = document.createDocumentFragment();
    const shown = visible.slice(0, MAX_ROWS);
    let tabbable = false;
    for (const e of shown) {
      const unread = model.isUnread(e.seq);
      const isTab = e.seq === tabSeq || (!tabbable && Number.isNaN(tabSeq) && e === shown[0]);
      if (isTab) tabbable = true;
      const button = h('button', {
        type: 'button',
        class: `event-row${unread ? ' unread' : ''}${this.#fresh.has(e.seq) ? ' fresh' : ''}`,
        'data-seq': e.seq,
        tabindex: isTab ? 0 : -1,
        'aria-current': e.seq === this.#selected ? 'true' : null,
        'aria-controls': 'detail',
      },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'row-main' },
          h('span', { class: 'row-top' },
            h('span', { class: 'row-topic' }, e.topic),
            h('span', { class: 'cat', 'data-cat': e.category }, e.category),
            h('span', { class: 'row-time' }, timeEl(e.received_at))),
          h('span', { class: 'row-summary' }, summarize(e)),
          unread ? h('span', { class: 'sr-only' }, ' (unread)') : null));
      button.addEventListener('click', () => this.#select(e.seq, 'none'));
      frag.appendChild(h('li', {}, button));
    }
    if (!tabbable && shown[0]) {
      // The selected event is filtered out: the first row takes the tab stop.
      frag.querySelector<HTMLButtonElement>('.event-row')?.setAttribute('tabindex', '0');
    }
    this.#fresh.clear();
    clear(this.#list);
    this.#list.appendChild(frag);
    if (hadFocus) (this.#rowButton(focusedSeq) ?? this.#list.querySelector<HTMLButtonElement>('[tabindex="0"]'))?.focus({ preventScroll: true });

    // Meta line, empty state, counts.
    const unread = model.unreadCount();
    const filtered = visible.length !== all.length;
    $('list-meta').textContent =
      all.length === 0
        ? ''
        : `${filtered ? `${plural(visible.length, 'event')} match · ` : ''}${plural(all.length, 'event')} loaded · ${unread.toLocaleString()} unread` +
          (visible.length > MAX_ROWS ? ` · showing the newest ${MAX_ROWS}` : '');
    const empty = $('list-empty');
    empty.hidden = visible.length > 0;
    if (this.#topicError !== '' && all.length > 0) {
      $('list-empty-title').textContent = 'Invalid topic pattern';
      $('list-empty-text').textContent = `${this.#topicError[0]!.toUpperCase()}${this.#topicError.slice(1)}.`;
    } else if (all.length === 0) {
      $('list-empty-title').textContent = 'No events yet';
      $('list-empty-text').textContent = 'New events appear here the moment the relay receives them. Subscribe to topics under Subscriptions.';
    } else {
      $('list-empty-title').textContent = this.#unreadOnly && !this.#text.value && !this.#topic.value ? 'All caught up' : 'No matching events';
      $('list-empty-text').textContent = this.#unreadOnly ? 'Every loaded event is read.' : 'Change the search or the topic pattern.';
    }
    $('load-older').hidden = this.#olderExhausted || !Number.isFinite(model.oldestSeq) || model.oldestSeq <= 1;
    $<HTMLButtonElement>('mark-all-read').disabled = unread === 0;
    this.#d.onUnreadChange(unread);

    const known = $('known-topics');
    let grew = false;
    for (const e of all) {
      if (!this.#knownTopics.has(e.topic)) {
        this.#knownTopics.add(e.topic);
        grew = true;
      }
    }
    if (grew) {
      clear(known);
      for (const t of [...this.#knownTopics].sort()) known.appendChild(h('option', { value: t }));
    }
    if (this.#selected !== null) this.#renderReadState();
  }

  #renderDetail(): void {
    const e = this.#selected === null ? undefined : this.#d.model.get(this.#selected);
    if (!e) return;
    this.#detail.hidden = false;
    this.#view.classList.add('has-detail');
    const cat = $('detail-category');
    cat.textContent = e.category;
    cat.dataset.cat = e.category;
    $('detail-title').textContent = e.topic;
    $('detail-sub').textContent = `Event ${e.event_id} · occurred ${relativeTime(e.occurred_at)}`;
    const meta = $('detail-meta');
    clear(meta);
    const rows: [string, string | null][] = [
      ['Event id', String(e.event_id)],
      ['Inbox seq', String(e.seq)],
      ['Occurred', absoluteTime(e.occurred_at)],
      ['Received', absoluteTime(e.received_at)],
      ['Aggregate', e.aggregate_type || e.aggregate_id ? `${e.aggregate_type ?? '?'} ${e.aggregate_id ?? ''}`.trim() : null],
      ['Actor', e.actor_id],
      ['Correlation', e.correlation_id],
      ['Subscriptions', e.subscription_ids.join(', ') || null],
      ['Server', e.server],
    ];
    for (const [k, v] of rows) if (v) meta.append(h('dt', {}, k), h('dd', {}, v));
    const pre = $('detail-payload');
    clear(pre);
    pre.append(...jsonNodes(e.payload));
    this.#renderReadState();
    void this.#receipts.load(e.seq);
  }

  #renderReadState(): void {
    const seq = this.#selected;
    if (seq === null) return;
    const model = this.#d.model;
    const durable = seq <= model.cursor;
    $('detail-read-state').textContent = durable
      ? 'Read'
      : model.isUnread(seq)
        ? 'Unread'
        : 'Read on this device';
    $<HTMLButtonElement>('detail-ack').disabled = durable;
  }

  async #copy(): Promise<void> {
    const e = this.#selected === null ? undefined : this.#d.model.get(this.#selected);
    if (!e) return;
    try {
      await navigator.clipboard.writeText(JSON.stringify(e, null, 2));
      this.#d.toast('Event copied as JSON.');
    } catch {
      this.#d.toast('Copying is not allowed here; select the payload text instead.');
    }
  }

  #rowButton(seq: number): HTMLButtonElement | null {
    return Number.isFinite(seq) ? this.#list.querySelector<HTMLButtonElement>(`.event-row[data-seq="${seq}"]`) : null;
  }

  #onListKey(e: KeyboardEvent): void {
    const rows = [...this.#list.querySelectorAll<HTMLButtonElement>('.event-row')];
    const at = rows.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    let next = -1;
    if (e.key === 'ArrowDown' || e.key === 'j') next = Math.min(rows.length - 1, at + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') next = Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    else if (e.key === 'PageDown') next = Math.min(rows.length - 1, at + 10);
    else if (e.key === 'PageUp') next = Math.max(0, at - 10);
    if (next < 0) return;
    e.preventDefault();
    rows[at]!.tabIndex = -1;
    rows[next]!.tabIndex = 0;
    rows[next]!.focus();
  }

  /** Initial fill: the newest page, plus the `ui` consumer's unread events (and its cursor). */
  async load(): Promise<void> {
    const [recent, pending] = await Promise.all([
      this.#d.client.get<EventsResponse>(localApiPath(LOCAL_API.events, { limit: PAGE })),
      this.#d.client.get<PendingResponse>(localApiPath(LOCAL_API.pending, { consumer: UI_CONSUMER, limit: 1000 })),
    ]);
    this.#d.model.add(recent.events);
    this.#d.model.setPendingPage(pending.events, pending.cursor, pending.pending);
    this.#renderNow();
    this.#list.setAttribute('aria-busy', 'false');
  }

  /** After a reconnect: everything after the newest loaded event, page by page. */
  async backfill(): Promise<void> {
    let since = this.#d.model.newestSeq;
    for (let page = 0; page < 20; page++) {
      const res = await this.#d.client.get<EventsResponse>(localApiPath(LOCAL_API.events, { since, limit: PAGE }));
      this.#d.model.add(res.events);
      if (res.events.length < PAGE) break;
      since = res.events.at(-1)!.seq;
    }
    this.render();
  }
}
