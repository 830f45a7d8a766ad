// The inbox window: finds the local token, opens the live stream, and routes between Inbox, Subscriptions and
// Settings by the URL hash (`#event=<seq>` selects an event: that is where a notification click lands).
import { RelayClient } from './api.js';
import { LOCAL_API, type RelayStatus } from '../relay/protocol/local-api.js';
import { Banners, hostOf } from './banners.js';
import { $ } from './dom.js';
import { InboxModel, UI_CONSUMER } from './inbox-model.js';
import { InboxView } from './inbox-view.js';
import { SessionsPanel } from './sessions-panel.js';
import { LiveStream, type LinkInfo } from './live.js';
import { forgetToken, parseHash, rememberToken, routeHash, takeToken, tokenFromInput, type Route } from './location.js';
import { SettingsView } from './settings-view.js';
import { UpstreamsView } from './upstreams-view.js';
import { SubscriptionsView } from './subscriptions-view.js';

const VIEWS = ['inbox', 'subscriptions', 'settings'] as const;

function main(): void {
  const token = takeToken();
  if (!token) {
    showConnect(null);
    return;
  }
  start(token);
}

function start(token: string): void {
  let status: RelayStatus | null = null;
  let link: LinkInfo = { state: 'connecting', error: null, retryAt: null };
  let loading: Promise<void> | null = null;
  let markLoaded: () => void = () => undefined;
  // Resolves once the first page and the read cursor are in: deep links wait for it.
  const loaded = new Promise<void>((resolve) => {
    markLoaded = resolve;
  });
  let current: Route = parseHash(location.hash).route;

  const client = new RelayClient(token, () => {
    live.stop();
    forgetToken();
    showConnect('The relay refused this page’s token (it may belong to another relay). Open the inbox link the relay printed, or paste its token.');
  });
  const model = new InboxModel();
  const banners = new Banners({
    retryNow: () => live.retryNow(),
    openSettings: () => {
      location.hash = routeHash({ view: 'settings' });
    },
  });
  const inbox = new InboxView({
    client,
    model,
    toast,
    onSelect: (seq) => {
      current = { view: 'inbox', event: seq };
      // replaceState: browsing events should not fill the Back button's history (and fires no hashchange).
      history.replaceState(history.state, '', routeHash(current));
    },
    onUnreadChange: (n) => {
      const badge = $('unread-count');
      badge.hidden = n === 0;
      badge.textContent = n > 999 ? '999+' : String(n);
      badge.setAttribute('aria-label', `${n} unread`);
      document.title = n > 0 ? `(${n}) Push Relay` : 'Push Relay';
    },
  });
  const subscriptions = new SubscriptionsView({ client, toast });
  const sessionsPanel = new SessionsPanel(client);
  if (!document.hidden) sessionsPanel.start();
  const settings = new SettingsView({ client, toast, status: () => status });
  const upstreams = new UpstreamsView({ client, toast });

  const renderPill = () => {
    const el = $('conn');
    const text = $('conn-text');
    if (link.state === 'unreachable') {
      el.dataset.state = 'unreachable';
      text.textContent = 'Relay unreachable';
    } else if (link.state !== 'live' || !status) {
      el.dataset.state = 'connecting';
      text.textContent = 'Connecting to relay…';
    } else {
      const up = status.upstream.state;
      el.dataset.state = up;
      const host = hostOf(status.server);
      text.textContent = {
        open: `Live · ${host}`,
        connecting: `Connecting to ${host}…`,
        reconnecting: `Reconnecting to ${host}…`,
        offline: `Offline · ${host}`,
        unauthorized: `Key refused · ${host}`,
        paused: `Paused · ${host}`,
      }[up];
    }
    el.title = status ? `${status.mode === 'demo' ? 'Demo mode · ' : ''}server ${status.server} · client ${status.client_id}` : '';
  };

  const live = new LiveStream(client, {
    onStatus: (s) => {
      status = s;
      banners.setStatus(s);
      renderPill();
      $('mode-chip').hidden = s.mode !== 'demo';
      // Another window may have acked; the cursor only moves forward (a snapshot may predate our own ack).
      const ui = s.consumers.find((c) => c.name === UI_CONSUMER);
      if (ui && ui.cursor > model.cursor) {
        model.setCursor(ui.cursor);
        inbox.render();
      }
      if (current.view === 'settings') {
        settings.renderAbout();
        settings.renderNotifications(s.notifications);
        upstreams.renderLive(s.upstreams);
      }
    },
    onEvent: (e) => {
      const added = model.add([e]);
      if (added.length > 0) inbox.added(added, true);
    },
    onOpen: () => {
      if (!loading) {
        loading = inbox.load().then(markLoaded, (err: unknown) => {
          loading = null; // the next (re)connect tries again
          toast(`Could not load the inbox: ${(err as Error).message}`);
        });
      } else {
        inbox.backfill().catch((err: unknown) => toast(`Could not fetch missed events: ${(err as Error).message}`));
      }
    },
    onLink: (info) => {
      link = info;
      banners.setLink(info);
      renderPill();
    },
  });

  function route(next: Route): void {
    current = next;
    for (const v of VIEWS) {
      $(`view-${v}`).hidden = v !== next.view;
      const tab = $(`tab-${v}`);
      if (v === next.view) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    if (next.view === 'inbox' && next.event !== null) {
      const seq = next.event;
      // A deep link may arrive before the first page is loaded.
      void loaded.then(() => {
        if (current.view === 'inbox' && current.event === seq) return inbox.show(seq);
      });
    } else if (next.view === 'subscriptions') {
      void subscriptions.refresh();
    } else if (next.view === 'settings') {
      void settings.refresh();
      void upstreams.refresh();
    }
  }

  window.addEventListener('hashchange', () => {
    const { token: newToken, route: next } = parseHash(location.hash);
    if (newToken && newToken !== token) {
      // A fresh inbox link pasted into the address bar: start over with its token.
      rememberToken(newToken);
      history.replaceState(history.state, '', routeHash(next));
      location.reload();
      return;
    }
    if (newToken) history.replaceState(history.state, '', routeHash(next));
    route(next);
  });

  $('view-connect').hidden = true;
  route(current);
  live.start();
}

function showConnect(error: string | null): void {
  for (const v of VIEWS) $(`view-${v}`).hidden = true;
  $('view-connect').hidden = false;
  for (const tab of document.querySelectorAll<HTMLElement>('.tabs')) tab.hidden = true;
  $('conn').dataset.state = 'unauthorized';
  $('conn-text').textContent = 'Not connected';
  $('banners').replaceChildren();
  const input = $<HTMLInputElement>('connect-token');
  const errorEl = $('connect-error');
  errorEl.textContent = error ?? '';
  if (error) input.setAttribute('aria-invalid', 'true');
  const form = $<HTMLFormElement>('connect-form');
  form.onsubmit = (e) => {
    e.preventDefault();
    void (async () => {
      const token = tokenFromInput(input.value);
      if (!token) {
        errorEl.textContent = 'That is neither an inbox link (…/#token=…) nor a local token.';
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      try {
        const res = await fetch(LOCAL_API.status, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
        if (res.status === 401) {
          errorEl.textContent = 'The relay refused this token. Check that it belongs to the relay at this address.';
          input.setAttribute('aria-invalid', 'true');
          input.focus();
          return;
        }
      } catch {
        errorEl.textContent = `Cannot reach the relay at ${location.host}. Is it running?`;
        return;
      }
      rememberToken(token);
      location.reload();
    })();
  };
  input.focus();
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(message: string): void {
  const el = $('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 4000);
}

main();
