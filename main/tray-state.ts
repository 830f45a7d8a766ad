// What the tray shows, derived from the relay's status: one of four kinds (each with an unread variant), the
// status line that heads the menu (on Linux tooltips are often hidden, so the menu must say it), a tooltip,
// and the image file. Pure: no Electron, no clock of its own.
import type { TrayKind } from './icons/art.js';
import { trayImage, type TrayImageSpec } from './icons/tray-images.js';

/** The part of RelayStatus (relay/local/core.ts) the tray reads. */
import type { AuthStatus } from '../relay/protocol/local-api.js';

export interface TrayStatusInput {
  mode: 'demo' | 'server';
  server: string;
  /** How the relay authenticates (relay/protocol/local-api.ts); the menu offers Sign in / Sign out from it. */
  auth?: AuthStatus;
  upstream: {
    state: 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'offline' | 'paused';
    stopped: boolean;
    lastError: { code: string; message: string } | null;
  };
}

export interface TrayFacts {
  /** null before the relay started (or after it failed to). */
  status: TrayStatusInput | null;
  /** Set when the relay could not start or stopped with an error. */
  fatal?: string | null;
  /** Epoch ms until which notifications are paused; null = not paused. */
  pausedUntil: number | null;
  unread: number;
  now: number;
  platform: NodeJS.Platform;
  /** Formats a time of day for "paused until 14:30"; injected so tests do not depend on the locale. */
  formatTime?: (epochMs: number) => string;
}

export interface TrayView {
  kind: TrayKind;
  unread: number;
  statusLine: string;
  tooltip: string;
  image: TrayImageSpec;
}

const APP = 'Push Relay';

function defaultFormatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function trayView(facts: TrayFacts): TrayView {
  const fmt = facts.formatTime ?? defaultFormatTime;
  const { kind, line } = kindAndLine(facts, fmt);
  const unread = Math.max(0, facts.unread);
  const unreadText = unread > 0 ? ` · ${unread > 99 ? '99+' : unread} unread` : '';
  const statusLine = `${line}${unreadText}`;
  return {
    kind,
    unread,
    statusLine,
    tooltip: `${APP} — ${statusLine}`,
    image: trayImage(kind, unread > 0, facts.platform),
  };
}

function kindAndLine(facts: TrayFacts, fmt: (ms: number) => string): { kind: TrayKind; line: string } {
  if (facts.fatal) return { kind: 'error', line: `Error: ${facts.fatal}` };
  const s = facts.status;
  if (!s) return { kind: 'reconnecting', line: 'Starting…' };
  // A connection problem outranks "paused": the person must learn that events are not arriving.
  const where = s.mode === 'demo' ? 'demo server' : hostOf(s.server);
  const u = s.upstream;
  if (u.state === 'unauthorized') return { kind: 'error', line: `Not authorized by ${where}: check the API key in Settings` };
  if (u.stopped) return { kind: 'error', line: 'Relay stopped' };
  if (u.state === 'connecting' || u.state === 'reconnecting' || u.state === 'offline') {
    // No countdown: the menu is rebuilt on changes only, and a number that stops moving would mislead.
    const what = u.state === 'connecting' ? `Connecting to ${where}…` : u.state === 'offline' ? `Offline: cannot reach ${where}` : `Reconnecting to ${where}…`;
    return { kind: 'reconnecting', line: what };
  }
  if (facts.pausedUntil !== null && facts.pausedUntil > facts.now) {
    const until = Number.isFinite(facts.pausedUntil) ? ` until ${fmt(facts.pausedUntil)}` : '';
    return { kind: 'paused', line: `Notifications paused${until}` };
  }
  if (u.state === 'paused') return { kind: 'paused', line: `Connection paused (${where})` };
  return { kind: 'connected', line: `Connected to ${where}` };
}

function hostOf(server: string): string {
  try {
    return new URL(server).host || server;
  } catch {
    return server;
  }
}
