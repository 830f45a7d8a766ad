// The `upstreams` settings key: one schema, defaults that never imply push, errors naming the field as a reader
// writes it (`upstreams[1].url`), unique names.
import { afterEach, describe, expect, it } from 'vitest';
import { openSettings, SettingsError } from '../../../relay/config/settings.js';
import { MAX_EVENT_SUBSCRIPTIONS, MAX_READ_CONTENT_BYTES, UpstreamEntrySchema } from '../../../relay/config/upstreams.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function store() {
  const d = await tempDir('upstreams-settings-');
  dirs.push(d);
  return openSettings(d.path);
}

function refusal(run: () => unknown): SettingsError {
  try {
    run();
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error('expected a SettingsError');
}

describe('upstream entries', () => {
  it('applies defaults: enabled, no push, no content, no subscriptions', () => {
    const e = UpstreamEntrySchema.parse({ name: 'everything', type: 'stdio', command: 'node' });
    expect(e).toMatchObject({ enabled: true, allowPush: false, args: [], env: {}, resources: { subscribe: [] }, readContent: { enabled: false } });
  });

  it('keeps the experimental Events extension off unless the entry turns it on', () => {
    const e = UpstreamEntrySchema.parse({ name: 'ev', type: 'stdio', command: 'node' });
    expect(e.events).toEqual({ enabled: false, subscribe: [] });
    const on = UpstreamEntrySchema.parse({ name: 'ev', type: 'stdio', command: 'node', events: { enabled: true, subscribe: [{ name: 'deal.*' }] } });
    expect(on.events).toEqual({ enabled: true, subscribe: [{ name: 'deal.*', arguments: {} }] });
  });

  it('names a bad Events-extension field, and bounds the subscriptions', async () => {
    const s = await store();
    const bad = refusal(() => s.update({ upstreams: [{ name: 'a', type: 'stdio', command: 'x', events: { enabled: true, subscribe: [{ name: '' }] } }] as never }));
    expect(bad.issues[0]?.field).toBe('upstreams[0].events.subscribe[0].name');
    const many = Array.from({ length: MAX_EVENT_SUBSCRIPTIONS + 1 }, (_, i) => ({ name: `t${i}` }));
    const tooMany = refusal(() => s.update({ upstreams: [{ name: 'a', type: 'stdio', command: 'x', events: { enabled: true, subscribe: many } }] as never }));
    expect(tooMany.issues[0]?.field).toBe('upstreams[0].events.subscribe');
  });

  it('stores a valid list through the settings store', async () => {
    const s = await store();
    const saved = s.update({
      upstreams: [
        { name: 'a', type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { 'X-K': 'v' } },
        { name: 'b', type: 'stdio', command: 'srv', args: ['--x'], allowPush: true },
      ] as never,
    });
    expect(saved.upstreams?.map((u) => [u.name, u.type, u.allowPush])).toEqual([
      ['a', 'http', false],
      ['b', 'stdio', true],
    ]);
  });

  it('names the bad field with its index: upstreams[1].url', async () => {
    const s = await store();
    const err = refusal(() =>
      s.update({ upstreams: [{ name: 'a', type: 'stdio', command: 'x' }, { name: 'b', type: 'http', url: 'ftp://x' }] as never }),
    );
    expect(err.issues.map((i) => i.field)).toEqual(['upstreams[1].url']);
    expect(err.message).toContain('"upstreams[1].url" must be an http(s) URL');
  });

  it('refuses plain http off loopback, duplicate names, bad slugs and oversized content caps', async () => {
    const s = await store();
    expect(refusal(() => s.update({ upstreams: [{ name: 'a', type: 'http', url: 'http://example.com/mcp' }] as never })).message).toContain('must be https');
    const dup = refusal(() => s.update({ upstreams: [{ name: 'a', type: 'stdio', command: 'x' }, { name: 'a', type: 'stdio', command: 'y' }] as never }));
    expect(dup.issues.map((i) => i.field)).toEqual(['upstreams[1].name']);
    expect(refusal(() => s.update({ upstreams: [{ name: 'Bad Name', type: 'stdio', command: 'x' }] as never })).issues[0]?.field).toBe('upstreams[0].name');
    const big = refusal(() =>
      s.update({ upstreams: [{ name: 'a', type: 'stdio', command: 'x', readContent: { enabled: true, maxBytes: MAX_READ_CONTENT_BYTES + 1 } }] as never }),
    );
    expect(big.issues[0]?.field).toBe('upstreams[0].readContent.maxBytes');
  });
});
