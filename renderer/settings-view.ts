// Settings: the push server URL, client id and API key (write-only: the page only ever learns whether a key is
// set), written through /v1/settings; the notification policy's slot; and facts about this relay.
import { ApiError, errorText, type RelayClient } from './api.js';
import { LOCAL_API, localApiPath, type NotificationStatus, type RelayStatus, type SettingsResponse, type SignInRequest, type SignInResponse, type SignOutResponse } from '../relay/protocol/local-api.js';
import { $, clear, h } from './dom.js';
import { absoluteTime, plural } from './format.js';

/** Where relay/notify serves its policy, when it does. */
export const NOTIFICATIONS_PATH = LOCAL_API.notifications;

export interface SettingsDeps {
  client: RelayClient;
  toast(message: string): void;
  status(): RelayStatus | null;
}

export class SettingsView {
  readonly #d: SettingsDeps;
  readonly #server = $<HTMLInputElement>('set-server');
  readonly #clientId = $<HTMLInputElement>('set-client-id');
  readonly #apiKey = $<HTMLInputElement>('set-api-key');
  #loaded: SettingsResponse | null = null;
  /** The id of the sign-in this page started: its outcome is reported here, not one from another time. */
  #signInId: string | null = null;

  constructor(deps: SettingsDeps) {
    this.#d = deps;
    $('settings-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#save({});
    });
    $('set-api-key-clear').addEventListener('click', () => void this.#save({ apiKey: null }));
    $('sign-in-button').addEventListener('click', () => void this.#signIn());
    $('sign-in-cancel').addEventListener('click', () => void this.#cancelSignIn());
    $('sign-out-button').addEventListener('click', () => void this.#signOut());
  }

  async refresh(): Promise<void> {
    this.renderAbout();
    try {
      this.#fill(await this.#d.client.get<SettingsResponse>(LOCAL_API.settings));
    } catch (err) {
      this.#setStatus(`Could not load settings: ${errorText(err)}`, 'error');
    }
    await this.#loadNotifications();
  }

  #fill(res: SettingsResponse): void {
    this.#loaded = res;
    this.#server.value = res.settings.server ?? '';
    this.#clientId.value = res.settings.clientId ?? '';
    this.#apiKey.value = '';
    const keyState = $('api-key-state');
    keyState.textContent = res.settings.apiKeySet ? 'set' : 'not set';
    keyState.classList.toggle('set', res.settings.apiKeySet);
    this.#apiKey.placeholder = res.settings.apiKeySet ? 'A key is saved; type a new one to replace it' : 'No key saved';
    $<HTMLButtonElement>('set-api-key-clear').disabled = !res.settings.apiKeySet;
    const notes: string[] = ['Write-only: a saved key is never shown again.'];
    if (res.settings.apiKeyStorage === 'plain') notes.push(`Stored in plain text in ${res.path} (mode 0600).`);
    if (res.settings.apiKeyStorage === 'encrypted') notes.push('Stored encrypted by the system keychain.');
    if (res.overridden_by_env.apiKey) notes.push('PUSH_RELAY_API_KEY in the relay’s environment takes precedence over this setting.');
    const storage = window.pushRelay?.secretStorage;
    if (storage?.warning) notes.push(storage.warning);
    $('set-api-key-help').textContent = notes.join(' ');
    if (res.overridden_by_env.server) {
      $('set-server-help').textContent = 'PUSH_RELAY_SERVER in the relay’s environment takes precedence over this setting.';
    }
  }

  async #save(extra: { apiKey?: null }): Promise<void> {
    const body: Record<string, unknown> = {
      server: this.#server.value.trim() || null,
      clientId: this.#clientId.value.trim() || null,
    };
    const key = this.#apiKey.value.trim();
    if (key) body.apiKey = key;
    Object.assign(body, extra);
    for (const el of [this.#server, this.#clientId, this.#apiKey]) el.removeAttribute('aria-invalid');
    this.#setStatus('Saving…', '');
    try {
      const res = await this.#d.client.put<SettingsResponse>(LOCAL_API.settings, body);
      this.#fill(res);
      this.#setStatus([res.message, res.warning].filter(Boolean).join(' '), 'ok');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_settings') {
        const field = /^(server|clientId|apiKey)\b/.exec(err.message)?.[1];
        const el = field === 'server' ? this.#server : field === 'clientId' ? this.#clientId : field === 'apiKey' ? this.#apiKey : null;
        el?.setAttribute('aria-invalid', 'true');
        el?.focus();
      }
      this.#setStatus(`Not saved: ${errorText(err)}`, 'error');
    }
  }

  #setStatus(text: string, tone: '' | 'ok' | 'error'): void {
    const el = $('settings-status');
    el.className = `form-status${tone ? ` ${tone}` : ''}`;
    el.textContent = text;
  }

  /**
   * Who is signed in and with which scopes (the server's words: set as text, never as HTML), or how to sign in;
   * and the Sign in / Sign out buttons. The relay runs the sign-in (POST /v1/sign-in) and its progress comes
   * back on the live status (`sign_in`), so a sign-in started from the tray shows here too.
   */
  #renderSignIn(s: RelayStatus): void {
    const state = $('sign-in-state');
    const help = $('set-sign-in');
    const auth = s.auth;
    const signedIn = auth?.method === 'oauth' && auth.signed_in;
    state.textContent = signedIn ? 'signed in' : 'not signed in';
    state.classList.toggle('set', signedIn);
    if (s.mode === 'demo' || !auth) {
      help.textContent = 'Demo mode needs no credentials. To use a push server without an API key, enter its URL and Sign in: once you approve, it is saved and used.';
    } else if (auth.method === 'oauth' && auth.signed_in) {
      const scopes = auth.scopes.length > 0 ? ` (${auth.scopes.join(' ')})` : '';
      help.textContent = `Signed in with OAuth as ${auth.subject ?? 'unknown'}${scopes}. Tokens are kept in ${auth.stored_in}.`;
    } else if (auth.method === 'oauth') {
      help.textContent = `${auth.problem ?? 'Signed out.'} Sign in again below, with \`push-relay login\`, or Sign in… in the tray menu.`;
    } else {
      help.textContent = 'Using the API key. To sign in instead (nothing to paste): Sign in below, `push-relay login`, or Sign in… in the tray menu.';
    }
    const attempt = s.sign_in ?? null;
    const pending = attempt?.state === 'pending';
    const server = s.mode === 'server';
    // In demo mode no server is saved: the sign-in names one (the relay saves it once signed in).
    $('sign-in-server').hidden = server;
    $<HTMLInputElement>('sign-in-server').disabled = pending;
    $('sign-in-button').hidden = server && signedIn;
    $<HTMLButtonElement>('sign-in-button').disabled = pending;
    $('sign-in-cancel').hidden = !pending;
    $('sign-out-button').hidden = !server || auth?.method !== 'oauth';
    const link = $<HTMLAnchorElement>('sign-in-link');
    link.hidden = !pending || !attempt?.authorization_url;
    if (pending && attempt?.authorization_url) link.href = attempt.authorization_url;
    if (pending) this.#setSignInProgress('Waiting for the browser… approve the sign-in there.', '');
    else if (attempt?.state === 'failed' && attempt.id === this.#signInId) this.#setSignInProgress(`Not signed in: ${attempt.problem ?? 'the sign-in failed'}`, 'error');
    else if (attempt?.state === 'signed_in' && attempt.id === this.#signInId && signedIn) {
      this.#setSignInProgress(`Signed in as ${attempt.subject ?? 'unknown'}${attempt.scopes.length > 0 ? ` (${attempt.scopes.join(' ')})` : ''}.`, 'ok');
    } else if (attempt?.state === 'cancelled' && attempt.id === this.#signInId) this.#setSignInProgress('Sign-in cancelled.', '');
  }

  async #signIn(): Promise<void> {
    const field = $<HTMLInputElement>('sign-in-server');
    const request: SignInRequest = {};
    if (!field.hidden) {
      if (field.value.trim() === '') return this.#setSignInProgress('Enter the push server URL to sign in to.', 'error');
      request.server = field.value.trim();
    }
    this.#setSignInProgress('Starting the sign-in…', '');
    try {
      const { sign_in: attempt } = await this.#d.client.post<SignInResponse>(LOCAL_API.signIn, request);
      if (!attempt?.authorization_url) throw new Error('the relay did not return a sign-in page');
      this.#signInId = attempt.id;
      // noopener: the push server's page gets no handle on this one (in the tray app the window goes to the system browser).
      window.open(attempt.authorization_url, '_blank', 'noopener,noreferrer');
      const s = this.#d.status();
      if (s) this.#renderSignIn({ ...s, sign_in: attempt });
    } catch (err) {
      this.#setSignInProgress(`Could not start the sign-in: ${errorText(err)}`, 'error');
    }
  }

  async #cancelSignIn(): Promise<void> {
    try {
      await this.#d.client.delete<SignInResponse>(localApiPath(LOCAL_API.signIn, { id: this.#signInId ?? undefined }));
    } catch (err) {
      this.#setSignInProgress(`Could not cancel: ${errorText(err)}`, 'error');
    }
  }

  async #signOut(): Promise<void> {
    const s = this.#d.status();
    const who = s?.auth?.method === 'oauth' && s.auth.subject ? ` (${s.auth.subject})` : '';
    if (!window.confirm(`Sign out of ${s?.server ?? 'the push server'}${who}? The sign-in is revoked on the server; the relay goes back to the API key, if one is set.`)) return;
    try {
      const res = await this.#d.client.post<SignOutResponse>(LOCAL_API.signOut, {});
      this.#signInId = null;
      this.#setSignInProgress(res.message, 'ok');
    } catch (err) {
      this.#setSignInProgress(`Not signed out: ${errorText(err)}`, 'error');
    }
  }

  #setSignInProgress(text: string, tone: '' | 'ok' | 'error'): void {
    const el = $('sign-in-progress');
    el.className = `form-status${tone ? ` ${tone}` : ''}`;
    el.textContent = text;
  }

  /** The running relay (from the live status). */
  renderAbout(): void {
    const s = this.#d.status();
    const current = $('settings-current');
    if (!s) {
      current.textContent = '';
      return;
    }
    current.textContent =
      s.mode === 'demo'
        ? `Running in demo mode: the built-in reference server with generated events, as client ${s.client_id}.`
        : `Running against ${s.server} as client ${s.client_id}.`;
    this.#clientId.placeholder = `${s.client_id} (in use now)`;
    this.#renderSignIn(s);
    const about = $('relay-about');
    clear(about);
    const inbox = s.inbox as { events?: number; head?: number };
    const rows: [string, string][] = [
      ['Version', s.version],
      ['Process', `pid ${s.pid}, started ${absoluteTime(s.started_at)}`],
      ['Local API', s.local_url || location.origin],
      ['Home', s.home],
      ['Inbox', `${(inbox.events ?? 0).toLocaleString()} events stored (newest seq ${inbox.head ?? 0})`],
      ['Consumers', s.consumers.map((c) => `${c.name} (${c.pending} pending)`).join(', ') || 'none'],
    ];
    for (const [k, v] of rows) about.append(h('dt', {}, k), h('dd', {}, v));
  }

  /** Live notification state (a status message carries it too, so a pause from the tray shows up here). */
  renderNotifications(n: NotificationStatus | undefined): void {
    if (!n) return;
    const body = $('notifications-body');
    clear(body);
    const paused = n.paused_until !== null && Date.parse(n.paused_until) > Date.now();
    const [label, tone] = !n.enabled
      ? ['Off', '']
      : paused
        ? [`Paused until ${shortTime(n.paused_until!)}`, 'warn']
        : n.quiet_hours_now
          ? ['Quiet hours', 'warn']
          : ['On', 'ok'];
    const service =
      n.available === null
        ? 'Checking the notification service…'
        : n.available
          ? `Shown through ${n.notifier}.`
          : `Popups cannot be shown here: ${n.unavailable_reason ?? 'no notification service'}. Events still reach the inbox.`;
    body.append(
      h('div', { class: 'notif-state' }, h('span', { class: `pill ${tone}`, 'data-notifications': label }, label), h('span', { class: 'muted' }, service)));
    const pauseRow = h('div', { class: 'pause-row', role: 'group', 'aria-label': 'Pause notifications' }, h('span', { class: 'label' }, 'Pause for'));
    for (const [value, text] of [['15m', '15 minutes'], ['1h', '1 hour'], ['8h', '8 hours'], ['tomorrow', 'Until tomorrow']] as const) {
      const b = h('button', { type: 'button', class: 'btn small' }, text);
      b.addEventListener('click', () => void this.#pause({ for: value }));
      pauseRow.appendChild(b);
    }
    if (paused) {
      const resume = h('button', { type: 'button', class: 'btn small primary' }, 'Resume now');
      resume.addEventListener('click', () => void this.#pause(null));
      pauseRow.appendChild(resume);
    }
    body.appendChild(pauseRow);
    const c = n.counts;
    body.appendChild(
      h('dl', { class: 'meta' },
        h('dt', {}, 'Popups shown'), h('dd', {}, `${(c.delivered ?? 0).toLocaleString()}${c.summaries ? ` (${plural(c.summaries, 'summary', 'summaries')})` : ''}`),
        h('dt', {}, 'Not shown'), h('dd', {}, `${(c.failed + c.unavailable).toLocaleString()} (failed or no service)`),
        h('dt', {}, 'Waiting'), h('dd', {}, `${n.pending.toLocaleString()} (held for a burst summary or the per-minute limit)`)));
  }

  async #pause(body: { for: string } | null): Promise<void> {
    try {
      const n = body
        ? await this.#d.client.post<NotificationStatus>(`${NOTIFICATIONS_PATH}/pause`, body)
        : await this.#d.client.post<NotificationStatus>(`${NOTIFICATIONS_PATH}/resume`, {});
      this.renderNotifications(n);
      this.#d.toast(body ? `Notifications paused until ${shortTime(n.paused_until ?? '')}.` : 'Notifications resumed.');
    } catch (err) {
      this.#d.toast(`Could not change notifications: ${errorText(err)}`);
    }
  }

  /**
   * The notification state from relay/notify's NOTIFICATIONS_PATH, and the SLOT for editing the policy itself,
   * which has no endpoint yet: it says so, and shows the policy the settings file holds.
   */
  async #loadNotifications(): Promise<void> {
    const slot = $('notification-policy');
    try {
      this.renderNotifications(await this.#d.client.get<NotificationStatus>(NOTIFICATIONS_PATH));
    } catch (err) {
      const body = $('notifications-body');
      clear(body);
      const missing = err instanceof ApiError && (err.status === 404 || err.status === 405);
      body.appendChild(
        h('p', { class: 'muted', 'data-slot-state': missing ? 'unavailable' : 'error' },
          missing
            ? `This relay shows no OS notifications (it does not serve ${NOTIFICATIONS_PATH}).`
            : `Could not load the notification state: ${errorText(err)}`));
    }
    const policy = this.#loaded?.settings.notifications as { enabled?: boolean; topics?: unknown[]; subscriptions?: Record<string, boolean>; quietHours?: { start: string; end: string } | null; maxPerMinute?: number } | null | undefined;
    const described = policy
      ? `Current policy: ${policy.enabled === false ? 'off' : 'on'}; ${policy.topics?.length ?? 0} topic rule(s); ` +
        `${Object.values(policy.subscriptions ?? {}).filter((v) => !v).length} muted subscription(s); ` +
        `quiet hours ${policy.quietHours ? `${policy.quietHours.start}–${policy.quietHours.end}` : 'none'}; ` +
        `at most ${policy.maxPerMinute ?? 10} popups a minute.`
      : 'Current policy: the defaults (all subscriptions and topics on, no quiet hours, at most 10 popups a minute).';
    slot.textContent =
      `${described} Per-topic and per-subscription rules, quiet hours and the popup limit are not editable on this page yet; ` +
      'set them under "notifications" in settings.json.';
  }
}

function shortTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const sameDay = new Date(t).toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(undefined, sameDay ? { timeStyle: 'short' } : { weekday: 'short', hour: 'numeric', minute: '2-digit' }).format(t);
}
