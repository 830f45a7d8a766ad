// What is wrong right now, said once at the top of the window: the relay unreachable, the push server
// connection not open (with the relay's own last error), and events the server dropped while the relay lagged.
import type { RelayStatus } from '../relay/protocol/local-api.js';
import { $, clear, h, icon } from './dom.js';
import { plural, relativeTime } from './format.js';
import type { LinkInfo } from './live.js';

export interface BannerActions {
  retryNow(): void;
  openSettings(): void;
}

interface Banner {
  id: string;
  tone: 'info' | 'warn' | 'error';
  icon: string;
  title: string;
  text: string;
  action?: { label: string; run: () => void };
  dismiss?: () => void;
}

const LAG_DISMISSED_KEY = 'push-relay.lag-dismissed';

export class Banners {
  readonly #el = $('banners');
  readonly #actions: BannerActions;
  #link: LinkInfo = { state: 'connecting', error: null, retryAt: null };
  #status: RelayStatus | null = null;
  #lagDismissedAt = Number(sessionStorageGet(LAG_DISMISSED_KEY) ?? 0);
  #lastKey = '';

  constructor(actions: BannerActions) {
    this.#actions = actions;
    // Countdowns ("next attempt in 3 s") and relative times.
    setInterval(() => this.render(), 1000);
  }

  setLink(link: LinkInfo): void {
    this.#link = link;
    this.render();
  }

  setStatus(status: RelayStatus): void {
    this.#status = status;
    this.render();
  }

  render(): void {
    const banners = this.#compute();
    // Re-render only when the text changed, so focus on a banner button survives the ticker.
    const key = JSON.stringify(banners.map((b) => [b.id, b.title, b.text]));
    if (key === this.#lastKey) return;
    this.#lastKey = key;
    const focusedId = (document.activeElement as HTMLElement | null)?.dataset.bannerAction;
    clear(this.#el);
    for (const b of banners) {
      const el = h('div', { class: `banner ${b.tone}`, role: b.tone === 'error' ? 'alert' : 'status', 'data-banner': b.id },
        icon(b.icon),
        h('div', { class: 'banner-body' }, h('p', { class: 'banner-title' }, b.title), b.text ? h('p', { class: 'banner-text' }, b.text) : null));
      if (b.action) {
        const btn = h('button', { type: 'button', class: 'btn small', 'data-banner-action': b.id }, b.action.label);
        btn.addEventListener('click', b.action.run);
        el.appendChild(btn);
      }
      if (b.dismiss) {
        const btn = h('button', { type: 'button', class: 'btn ghost icon-btn small', 'aria-label': 'Dismiss', 'data-banner-action': `${b.id}-dismiss` }, icon('x'));
        btn.addEventListener('click', b.dismiss);
        el.appendChild(btn);
      }
      this.#el.appendChild(el);
    }
    if (focusedId) this.#el.querySelector<HTMLElement>(`[data-banner-action="${focusedId}"]`)?.focus();
  }

  #compute(): Banner[] {
    const out: Banner[] = [];
    const link = this.#link;
    if (link.state === 'unreachable') {
      out.push({
        id: 'relay-unreachable',
        tone: 'error',
        icon: 'plug',
        title: 'Push Relay is not reachable',
        text: `The relay at ${location.host} stopped answering (${link.error ?? 'no answer'}). Start it again (push-relay daemon, or the app); this page reconnects by itself${countdown(link.retryAt)}.`,
        action: { label: 'Retry now', run: () => this.#actions.retryNow() },
      });
      return out; // the relay's last status is stale; say only what is known
    }
    const status = this.#status;
    if (!status || link.state !== 'live') return out;
    const up = status.upstream;
    const server = hostOf(status.server);
    const e = up.lastError;
    const err = e ? `${e.message}${e.status && !e.message.includes(String(e.status)) ? ` (HTTP ${e.status})` : ''}` : '';
    switch (up.state) {
      case 'open':
        break;
      case 'connecting':
        out.push({ id: 'upstream', tone: 'info', icon: 'info', title: `Connecting to ${server}…`, text: err });
        break;
      case 'reconnecting':
        out.push({
          id: 'upstream',
          tone: 'warn',
          icon: 'alert',
          title: `Reconnecting to ${server}`,
          text: `${err || 'The connection dropped.'} Next attempt${countdown(up.nextRetryAt)}. Events are kept on the server and fetched when the connection is back.`,
        });
        break;
      case 'offline':
        out.push({
          id: 'upstream',
          tone: 'warn',
          icon: 'alert',
          title: `Offline: cannot reach ${server}`,
          text: `${err || 'The network is unreachable.'} Next attempt${countdown(up.nextRetryAt)}.`,
        });
        break;
      case 'unauthorized':
        out.push({
          id: 'upstream',
          tone: 'error',
          icon: 'lock',
          // A sign-in whose refresh was refused says "sign in again" in its message (relay/auth/session.ts).
          title: status.auth?.method === 'oauth' ? `${server} refused the sign-in: sign in again` : `${server} refused the API key`,
          text: err || 'The server answered 401/403. The relay does not retry until the key changes: set a new key in Settings.',
          action: { label: 'Open Settings', run: () => this.#actions.openSettings() },
        });
        break;
      case 'paused':
        out.push({ id: 'upstream', tone: 'info', icon: 'info', title: 'Paused', text: `The relay is not connected to ${server}.` });
        break;
    }
    const lag = up.lag;
    if (lag && lag.count > 0 && lag.last_at !== null && lag.last_at > this.#lagDismissedAt) {
      const at = lag.last_at;
      out.push({
        id: 'lag',
        tone: 'warn',
        icon: 'alert',
        title: `The server dropped ${plural(lag.last_dropped_count ?? lag.dropped_total, 'event')} while this relay was behind`,
        text: `Last time ${relativeTime(at)}; ${plural(lag.dropped_total, 'event')} in ${plural(lag.count, 'episode')} since the relay started. The relay fetches dropped events again from its last saved position, so the inbox stays complete.`,
        dismiss: () => {
          this.#lagDismissedAt = at;
          sessionStorageSet(LAG_DISMISSED_KEY, String(at));
          this.render();
        },
      });
    }
    return out;
  }
}

function countdown(at: number | null | undefined): string {
  if (!at) return ' soon';
  const s = Math.max(0, Math.ceil((at - Date.now()) / 1000));
  return s <= 0 ? ' now' : ` in ${s} s`;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

function sessionStorageGet(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function sessionStorageSet(key: string, value: string): void {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    // ignore
  }
}
