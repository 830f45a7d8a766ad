// Subscriptions: what this relay's client id is subscribed to on the push server (with the server's counters),
// removal, and the editor for a new one — topics from the server's catalog or typed as globs, an optional
// filter checked by the shared grammar, and a dry run against the inbox's recent events.
import { TopicPatternSchema, topicMatchesAny } from '../relay/protocol/topic-glob.js';
import { errorText, type RelayClient } from './api.js';
import { LOCAL_API, localApiPath, subscriptionPath, type ApiEvent, type EventsResponse, type SubscriptionRow, type SubscriptionsResponse, type TopicInfo, type TopicsResponse } from '../relay/protocol/local-api.js';
import { $, clear, h, icon } from './dom.js';
import { FilterEditor } from './filter-builder.js';
import { absoluteTime, plural, relativeTime, summarize, timeEl } from './format.js';

const PREVIEW_EVENTS = 100;
const PREVIEW_SHOWN = 25;
const FIX_FIELDS = 'Not created: fix the highlighted fields.';

export interface SubscriptionsDeps {
  client: RelayClient;
  toast(message: string): void;
}

export class SubscriptionsView {
  readonly #d: SubscriptionsDeps;
  readonly #topics: string[] = [];
  #catalog: TopicInfo[] = [];
  #catalogLoaded = false;
  readonly #filter: FilterEditor;
  #loading = false;

  constructor(deps: SubscriptionsDeps) {
    this.#d = deps;
    this.#filter = new FilterEditor(() => {
      this.#clearPreview();
      this.#clearFixStatus();
    });
    $('subs-refresh').addEventListener('click', () => void this.refresh());
    $('sub-topic-add').addEventListener('click', () => this.#addTypedTopic());
    $<HTMLInputElement>('sub-topic-input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.#addTypedTopic();
      }
    });
    $('sub-preview').addEventListener('click', () => void this.#preview());
    $('sub-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#create();
    });
  }

  /** Called when the view is shown. */
  async refresh(): Promise<void> {
    if (!this.#catalogLoaded) void this.#loadCatalog();
    if (this.#loading) return;
    this.#loading = true;
    const list = $('sub-list');
    $('subs-meta').textContent = 'Loading…';
    try {
      const { subscriptions } = await this.#d.client.get<SubscriptionsResponse>(LOCAL_API.subscriptions);
      this.#renderList(subscriptions);
    } catch (err) {
      clear(list);
      $('subs-empty').hidden = true;
      $('subs-meta').textContent = `Could not load subscriptions: ${errorText(err)}`;
    } finally {
      this.#loading = false;
    }
  }

  #renderList(subs: SubscriptionRow[]): void {
    const list = $('sub-list');
    clear(list);
    $('subs-empty').hidden = subs.length > 0;
    const total = subs.reduce((n, s) => n + s.events_delivered, 0);
    $('subs-meta').textContent = subs.length === 0 ? '' : `${plural(subs.length, 'subscription')} · ${plural(total, 'event')} delivered in total`;
    for (const s of [...subs].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))) {
      const name = s.client_label || s.topic_patterns.join(', ');
      const remove = h('button', { type: 'button', class: 'btn ghost small danger', 'aria-label': `Remove subscription ${name}` }, icon('trash'), 'Remove');
      let armed: ReturnType<typeof setTimeout> | undefined;
      remove.addEventListener('click', () => {
        if (armed === undefined) {
          // Two steps, no modal: the first press arms the button for a few seconds.
          remove.classList.add('confirm');
          remove.lastChild!.textContent = 'Confirm remove';
          armed = setTimeout(() => {
            armed = undefined;
            remove.classList.remove('confirm');
            remove.lastChild!.textContent = 'Remove';
          }, 5000);
          return;
        }
        clearTimeout(armed);
        void this.#remove(s, remove);
      });
      const hasFilter = s.filter && Object.keys(s.filter).length > 0;
      list.appendChild(
        h('li', { class: 'sub-card', 'data-subscription-id': s.subscription_id },
          h('div', { class: 'sub-card-head' },
            h('div', { class: 'sub-card-title' },
              h('p', { class: 'sub-name' }, name),
              h('p', { class: 'sub-id' }, s.subscription_id)),
            remove),
          h('ul', { class: 'sub-patterns', 'aria-label': 'Topic patterns' }, ...s.topic_patterns.map((p) => h('li', { class: 'pattern' }, p))),
          hasFilter ? h('p', { class: 'sub-filter' }, `filter ${JSON.stringify(s.filter)}`) : null,
          h('dl', { class: 'stats' },
            h('div', {}, h('dt', {}, 'Delivered'), h('dd', { 'data-stat': 'events_delivered' }, s.events_delivered.toLocaleString())),
            h('div', {}, h('dt', {}, 'Last delivery'),
              h('dd', { 'data-stat': 'last_delivered_at', title: absoluteTime(s.last_delivered_at) },
                s.last_delivered_at ? relativeTime(s.last_delivered_at) : 'never')),
            s.created_at ? h('div', {}, h('dt', {}, 'Created'), h('dd', { title: absoluteTime(s.created_at) }, relativeTime(s.created_at))) : null,
            s.consent_purpose ? h('div', {}, h('dt', {}, 'Consent purpose'), h('dd', {}, s.consent_purpose)) : null)));
    }
  }

  async #remove(s: SubscriptionRow, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await this.#d.client.delete(subscriptionPath(s.subscription_id));
      this.#d.toast(`Removed ${s.client_label || s.topic_patterns.join(', ')}.`);
      await this.refresh();
      $('subs-refresh').focus();
    } catch (err) {
      button.disabled = false;
      this.#d.toast(`Could not remove: ${errorText(err)}`);
    }
  }

  async #loadCatalog(): Promise<void> {
    const groups = $('topic-groups');
    try {
      const res = await this.#d.client.get<TopicsResponse>(LOCAL_API.topics);
      this.#catalog = res.topics;
      this.#catalogLoaded = true;
      clear(groups);
      const categories = [...new Set([...res.categories, ...res.topics.map((t) => t.category)])];
      for (const category of categories) {
        const topics = res.topics.filter((t) => t.category === category);
        if (topics.length === 0) continue;
        const fs = h('fieldset', {}, h('legend', {}, category));
        for (const t of topics) {
          const id = `topic-opt-${t.topic.replace(/[^\w-]/g, '_')}`;
          const box = h('input', { type: 'checkbox', id, value: t.topic, 'data-topic': t.topic });
          box.checked = this.#topics.includes(t.topic);
          box.addEventListener('change', () => (box.checked ? this.#addTopic(t.topic) : this.#removeTopic(t.topic)));
          fs.appendChild(
            h('label', { class: 'topic-option', for: id }, box, h('span', { class: 't-name' }, t.topic), h('span', { class: 't-desc' }, t.description)));
        }
        groups.appendChild(fs);
      }
      this.#updateFields();
    } catch (err) {
      clear(groups);
      groups.appendChild(h('p', { class: 'field-error' }, `Could not load the topic catalog: ${errorText(err)}`));
    }
  }

  #addTypedTopic(): void {
    const input = $<HTMLInputElement>('sub-topic-input');
    const value = input.value.trim();
    if (value === '') return;
    const parsed = TopicPatternSchema.safeParse(value);
    if (!parsed.success) {
      input.setAttribute('aria-invalid', 'true');
      $('sub-topic-error').textContent = parsed.error.issues[0]?.message ?? 'invalid topic pattern';
      return;
    }
    input.value = '';
    this.#addTopic(value);
  }

  #addTopic(topic: string): void {
    $('sub-topic-input').removeAttribute('aria-invalid');
    $('sub-topic-error').textContent = '';
    if (!this.#topics.includes(topic)) this.#topics.push(topic);
    this.#renderTopics();
  }

  #removeTopic(topic: string): void {
    const i = this.#topics.indexOf(topic);
    if (i >= 0) this.#topics.splice(i, 1);
    this.#renderTopics();
  }

  #renderTopics(): void {
    const chips = $('sub-topics');
    clear(chips);
    for (const t of this.#topics) {
      const remove = h('button', { type: 'button', 'aria-label': `Remove topic ${t}` }, icon('x'));
      remove.addEventListener('click', () => {
        this.#removeTopic(t);
        $('sub-topic-input').focus();
      });
      chips.appendChild(h('li', { class: 'chip' }, t, remove));
    }
    for (const box of document.querySelectorAll<HTMLInputElement>('#topic-groups input[data-topic]')) {
      box.checked = this.#topics.includes(box.dataset.topic!);
    }
    this.#updateFields();
    this.#clearPreview();
    this.#clearFixStatus();
  }

  /** "Not created: fix the highlighted fields" goes once nothing is highlighted any more. */
  #clearFixStatus(): void {
    const status = $('sub-form-status');
    if (status.textContent !== FIX_FIELDS || this.#topics.length === 0 || !this.#filter.validate().ok) return;
    status.textContent = '';
    status.className = 'form-status';
  }

  /** Field suggestions: the payload fields of catalog topics the chosen patterns cover. */
  #updateFields(): void {
    const patterns = this.#topics.length > 0 ? this.#topics : ['*'];
    const fields = this.#catalog.filter((t) => topicMatchesAny(patterns, t.topic)).flatMap((t) => t.payload_fields);
    this.#filter.setFields(fields);
  }

  #clearPreview(): void {
    clear($('preview-result'));
  }

  #checkForm(): { topics: string[]; filter: Record<string, unknown> } | null {
    let ok = true;
    const topicError = $('sub-topic-error');
    if (this.#topics.length === 0) {
      topicError.textContent = 'Choose at least one topic: pick from the catalog or type a pattern like deal.*';
      ok = false;
    }
    const check = this.#filter.validate();
    if (!check.ok) ok = false;
    if (!ok) {
      (this.#topics.length === 0 ? $('sub-topic-input') : $('filter-error')).scrollIntoView({ block: 'nearest' });
      return null;
    }
    return { topics: [...this.#topics], filter: check.ok ? check.filter : {} };
  }

  async #preview(): Promise<void> {
    const out = $('preview-result');
    clear(out);
    const form = this.#checkForm();
    const check = this.#filter.validate();
    if (!form || !check.ok) {
      out.appendChild(h('p', { class: 'field-error' }, 'Fix the topics and filter above to test them.'));
      return;
    }
    out.appendChild(h('p', { class: 'muted' }, 'Testing…'));
    let events: ApiEvent[];
    try {
      events = (await this.#d.client.get<EventsResponse>(localApiPath(LOCAL_API.events, { limit: PREVIEW_EVENTS }))).events;
    } catch (err) {
      clear(out);
      out.appendChild(h('p', { class: 'field-error' }, `Could not load recent events: ${errorText(err)}`));
      return;
    }
    // The same topic globs and filter predicate the push server applies.
    const matching = events.filter((e) => topicMatchesAny(form.topics, e.topic) && check.compiled.matches(e));
    clear(out);
    out.appendChild(
      h('p', { class: 'preview-summary', 'data-matches': matching.length },
        events.length === 0
          ? 'The inbox has no events to test against yet.'
          : `${matching.length} of the last ${plural(events.length, 'event')} match.`));
    if (matching.length > 0) {
      out.appendChild(
        h('ul', { class: 'preview-list', 'aria-label': 'Matching events' },
          ...matching.slice(0, PREVIEW_SHOWN).map((e) =>
            h('li', { 'data-seq': e.seq }, h('span', { class: 'row-topic' }, e.topic), h('span', { class: 'row-summary muted' }, summarize(e)), timeEl(e.received_at)))));
      if (matching.length > PREVIEW_SHOWN) out.appendChild(h('p', { class: 'help' }, `and ${matching.length - PREVIEW_SHOWN} more`));
    }
  }

  async #create(): Promise<void> {
    const status = $('sub-form-status');
    status.className = 'form-status';
    const form = this.#checkForm();
    if (!form) {
      status.textContent = FIX_FIELDS;
      status.classList.add('error');
      return;
    }
    const label = $<HTMLInputElement>('sub-label').value.trim();
    const body: Record<string, unknown> = { topic: form.topics };
    if (Object.keys(form.filter).length > 0) body.filter = form.filter;
    if (label) body.client_label = label;
    const button = $<HTMLButtonElement>('sub-create');
    button.disabled = true;
    status.textContent = 'Creating…';
    try {
      const row = await this.#d.client.post<SubscriptionRow>(LOCAL_API.subscriptions, body);
      status.textContent = `Subscribed: ${row.subscription_id}`;
      status.classList.add('ok');
      this.#topics.length = 0;
      $<HTMLInputElement>('sub-label').value = '';
      this.#renderTopics();
      this.#filter.reset();
      await this.refresh();
    } catch (err) {
      status.textContent = `Not created: ${errorText(err)}`;
      status.classList.add('error');
    } finally {
      button.disabled = false;
    }
  }
}
