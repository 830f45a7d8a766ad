// The tray menu as plain data: built from what the tray shows, rebuilt on every change, and turned into an
// Electron template only at the edge (`toTemplate`). Every action lives here because on Linux a tray click
// is unreliable and tooltips are often hidden: the first line states the status.
import type { MenuItemTemplate } from './electron-api.js';
import type { PausePreset } from '../relay/notify/pause.js';
import { neutralizeText } from '../relay/protocol/untrusted-text.js';

export type MenuAction =
  | { type: 'open-inbox' }
  | { type: 'open-event'; seq: number }
  | { type: 'open-subscriptions' }
  | { type: 'open-settings' }
  | { type: 'pause'; preset: PausePreset }
  | { type: 'resume' }
  | { type: 'set-open-at-login'; enabled: boolean }
  | { type: 'sign-in' }
  | { type: 'sign-out' }
  | { type: 'quit' };

export type MenuNode =
  | { kind: 'label'; label: string }
  | { kind: 'item'; label: string; action: MenuAction; enabled?: boolean }
  | { kind: 'checkbox'; label: string; checked: boolean; action: MenuAction }
  | { kind: 'submenu'; label: string; items: MenuNode[] }
  | { kind: 'separator' };

/** The few fields of a stored event (relay/inbox StoredEvent) the menu shows. */
export interface RecentEvent {
  seq: number;
  topic: string;
  occurred_at: string;
  aggregate_id?: string | null;
  payload: Record<string, unknown>;
}

export interface MenuFacts {
  statusLine: string;
  /** Newest first; the menu shows at most RECENT_LIMIT. */
  recent: RecentEvent[];
  pausedUntil: number | null;
  now: number;
  openAtLogin: boolean;
  /** False when the platform has no way to start at login (e.g. a Linux box without a home config dir). */
  loginItemSupported: boolean;
  /** False while the relay is not running (start failed): the entries that need it are disabled. */
  relayRunning?: boolean;
  /** OAuth sign-in to a real server (absent in demo mode): who and which scopes, or signed out. */
  signIn?: { signedIn: true; who: string; scopes: string[] } | { signedIn: false; problem?: string };
  formatTime?: (epochMs: number) => string;
}

const RECENT_LIMIT = 5;

const PAUSE_LABELS: Record<PausePreset, string> = {
  '15m': 'For 15 minutes',
  '1h': 'For 1 hour',
  '8h': 'For 8 hours',
  tomorrow: 'Until tomorrow',
};

export function buildMenu(facts: MenuFacts): MenuNode[] {
  const fmt = facts.formatTime ?? ((ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }));
  const paused = facts.pausedUntil !== null && facts.pausedUntil > facts.now;
  const running = facts.relayRunning ?? true;
  const recent: MenuNode[] = facts.recent.slice(0, RECENT_LIMIT).map((e) => ({
    kind: 'item',
    label: eventLabel(e, fmt),
    action: { type: 'open-event', seq: e.seq },
  }));
  const pauseItems: MenuNode[] = [
    ...(paused ? [{ kind: 'label', label: `Paused until ${fmt(facts.pausedUntil!)}` } as const, { kind: 'separator' } as const] : []),
    ...(Object.keys(PAUSE_LABELS) as PausePreset[]).map(
      (preset): MenuNode => ({ kind: 'item', label: PAUSE_LABELS[preset], action: { type: 'pause', preset }, enabled: running }),
    ),
    { kind: 'separator' },
    { kind: 'item', label: 'Resume notifications', action: { type: 'resume' }, enabled: paused },
  ];
  return [
    { kind: 'label', label: facts.statusLine },
    { kind: 'separator' },
    ...(recent.length > 0 ? [{ kind: 'label', label: 'Recent events' } as const, ...recent] : [{ kind: 'label', label: 'No events yet' } as const]),
    { kind: 'separator' },
    { kind: 'submenu', label: paused ? 'Notifications paused' : 'Pause notifications', items: pauseItems },
    { kind: 'item', label: 'Open inbox', action: { type: 'open-inbox' }, enabled: running },
    { kind: 'item', label: 'Subscriptions…', action: { type: 'open-subscriptions' }, enabled: running },
    { kind: 'item', label: 'Settings…', action: { type: 'open-settings' }, enabled: running },
    ...signInItems(facts.signIn, running),
    { kind: 'separator' },
    ...(facts.loginItemSupported
      ? [{ kind: 'checkbox', label: 'Open at login', checked: facts.openAtLogin, action: { type: 'set-open-at-login', enabled: !facts.openAtLogin } } as const]
      : []),
    { kind: 'item', label: 'Quit Push Relay', action: { type: 'quit' } },
  ];
}

/** Sign in / Sign out (seed 001's OAuth path): the subject and scopes are the server's words, neutralized. */
function signInItems(signIn: MenuFacts['signIn'], running: boolean): MenuNode[] {
  if (!signIn) return [];
  if (!signIn.signedIn) {
    return [
      { kind: 'separator' },
      ...(signIn.problem ? [{ kind: 'label', label: 'Signed out: sign in again' } as const] : []),
      { kind: 'item', label: 'Sign in…', action: { type: 'sign-in' }, enabled: running },
    ];
  }
  const scopes = signIn.scopes.length > 0 ? ` (${neutralizeText(signIn.scopes.join(' '), 60)})` : '';
  return [
    { kind: 'separator' },
    { kind: 'label', label: truncate(`Signed in as ${neutralizeText(oneLine(signIn.who), 60)}${scopes}`, 90) },
    { kind: 'item', label: 'Sign out', action: { type: 'sign-out' }, enabled: running },
  ];
}

/** "deal.won — Acme Corp — Platform · 14:02": the topic first (what happened), then what it is about. */
export function eventLabel(e: RecentEvent, fmt: (ms: number) => string): string {
  const p = e.payload;
  const about = [p.name, p.title, p.account_name, p.subject, e.aggregate_id].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  const t = Date.parse(e.occurred_at);
  const when = Number.isFinite(t) ? ` · ${fmt(t)}` : '';
  // Topic and payload text are the server's: neutralized (no bidi, zero-width or control character) before the cut.
  return truncate(`${neutralizeText(e.topic, 60)}${about ? ` — ${neutralizeText(oneLine(about), 60)}` : ''}`, 60) + when;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * The Electron template. On Windows and Linux `&` in a label marks a mnemonic, so a literal one (event text
 * is untrusted data) is doubled.
 */
export function toTemplate(nodes: MenuNode[], dispatch: (action: MenuAction) => void, platform: NodeJS.Platform): MenuItemTemplate[] {
  const text = (s: string) => (platform === 'darwin' ? s : s.replaceAll('&', '&&'));
  return nodes.map((n): MenuItemTemplate => {
    switch (n.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: text(n.label), enabled: false };
      case 'item':
        return { label: text(n.label), enabled: n.enabled ?? true, click: () => dispatch(n.action) };
      case 'checkbox':
        return { label: text(n.label), type: 'checkbox', checked: n.checked, click: () => dispatch(n.action) };
      case 'submenu':
        return { label: text(n.label), submenu: toTemplate(n.items, dispatch, platform) };
    }
  });
}
