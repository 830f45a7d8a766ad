import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, normalizeServerUrl, toServerUrl } from '../../../relay/upstream/server-url.js';

const api = {
  origin: 'https://api.pact.place',
  base: 'https://api.pact.place',
  controlUrl: 'https://api.pact.place/mcp/',
  pushUrl: 'https://api.pact.place/mcp/push/sse',
};

function configError(input: string): ConfigError {
  try {
    normalizeServerUrl(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('invalid_server_url');
    return err as ConfigError;
  }
  throw new Error(`"${input}" was accepted`);
}

describe('normalizeServerUrl', () => {
  it.each([
    'https://api.pact.place',
    'https://api.pact.place/',
    'https://api.pact.place/mcp',
    'https://api.pact.place/mcp/',
    'https://api.pact.place/mcp//',
    '  https://API.Pact.Place:443/mcp  ',
    'https://api.pact.place/mcp/push/sse',
  ])('%s → the /mcp/ control URL and the push URL', (input) => {
    expect(normalizeServerUrl(input)).toEqual(api);
  });

  it('keeps a path prefix', () => {
    expect(normalizeServerUrl('https://host.example/pact/mcp')).toEqual({
      origin: 'https://host.example',
      base: 'https://host.example/pact',
      controlUrl: 'https://host.example/pact/mcp/',
      pushUrl: 'https://host.example/pact/mcp/push/sse',
    });
    expect(normalizeServerUrl('https://host.example/pact/').base).toBe('https://host.example/pact');
    expect(normalizeServerUrl('https://host.example/mcpx').controlUrl).toBe('https://host.example/mcpx/mcp/');
  });

  it('keeps a non-default port in the origin', () => {
    expect(normalizeServerUrl('https://host.example:8443/mcp/').origin).toBe('https://host.example:8443');
  });

  it.each(['http://127.0.0.1:47830', 'http://localhost:1234/mcp', 'http://[::1]:80/', 'http://127.1.2.3/', 'http://app.localhost/'])(
    'allows plain http to loopback: %s',
    (input) => {
      const url = normalizeServerUrl(input);
      expect(url.origin.startsWith('http://')).toBe(true);
      expect(url.controlUrl.endsWith('/mcp/')).toBe(true);
    },
  );

  it('refuses plain http elsewhere, and says to use https', () => {
    expect(configError('http://api.pact.place/mcp').message).toMatch(/https:\/\/api\.pact\.place\/mcp/);
    configError('http://10.0.0.1/');
    configError('http://128.0.0.1/');
  });

  it('refuses what is not an http(s) URL, with an example', () => {
    expect(configError('api.pact.place').message).toMatch(/e\.g\. https:\/\//);
    expect(configError('').message).toMatch(/empty/);
    expect(configError('ftp://api.pact.place').message).toMatch(/ftp/);
    expect(configError('ws://127.0.0.1/').message).toMatch(/https/);
  });

  it('refuses credentials, query and fragment without echoing the secret', () => {
    const err = configError('https://user:s3cret-value@api.pact.place/');
    expect(err.message).not.toContain('s3cret-value');
    expect(err.message).toMatch(/user name or password/);
    expect(configError('https://api.pact.place/mcp?token=abcdef123').message).not.toContain('abcdef123');
    configError('https://api.pact.place/#x');
  });

  it('toServerUrl accepts a normalized result too', () => {
    expect(toServerUrl(normalizeServerUrl('https://api.pact.place/mcp'))).toEqual(api);
    expect(toServerUrl('https://api.pact.place')).toEqual(api);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.255.254', '[::1]', 'x.localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['localhost.example', '127.0.0.1.example', '10.0.0.1', '[::2]', 'example.com', '127.0.0.256']) expect(isLoopbackHost(h)).toBe(false);
  });
});
