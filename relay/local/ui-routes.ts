// The inbox UI's static files (DESIGN.md "Local HTTP": the UI itself at `/`). Public routes — the page has no
// token yet when it loads; it takes it from the URL fragment (`/#token=…`), which browsers never send — while
// every /v1 call the page makes still needs the token. Files come from dist/renderer (renderer/build.mjs),
// indexed once at start: an exact-path table, so no request path ever reaches the file system.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError, type Handler } from '../util/http.js';

/** No inline script or style anywhere in the UI, so the policy can be this strict. */
const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '': 'text/plain; charset=utf-8', // the LICENSE files of the packages bundled into the UI
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface UiRoutesOptions {
  /** The built UI; default: dist/renderer next to the compiled relay (or beside the sources, for tests). */
  root?: string;
}

/** Exact-path routes for every file of the built UI, plus `/` for index.html. */
export function uiRoutes(options: UiRoutesOptions = {}): Record<string, Handler> {
  const root = options.root ?? defaultUiRoot();
  if (root === undefined || !existsSync(join(root, 'index.html'))) {
    return { '/': notBuilt, '/index.html': notBuilt };
  }
  const routes: Record<string, Handler> = {};
  for (const file of walk(root)) {
    const type = CONTENT_TYPES[extname(file)];
    if (type === undefined) continue;
    const path = `/${relative(root, file).split(sep).join('/')}`;
    routes[path] = fileHandler(file, type);
  }
  routes['/'] = routes['/index.html']!;
  return routes;
}

/** dist/renderer seen from dist/relay/local (the compiled relay) or from relay/local (sources run by vitest). */
export function defaultUiRoot(): string | undefined {
  const candidates = ['../../renderer/', '../../dist/renderer/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function fileHandler(file: string, type: string): Handler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    // Read per request (the build may be redone while a relay runs); the ETag makes reloads cheap.
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Rebuilt without this file since the relay started (the table is made at start): say so, no paths.
      throw new HttpError(404, 'not_found', 'this UI file is gone (the UI was rebuilt); reload the page, or restart the relay');
    }
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': type,
      // Revalidate every time: a rebuilt UI must never run against a stale module graph.
      'cache-control': 'no-cache',
      etag,
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>Push Relay</title>' +
  '<h1>The inbox UI is not built</h1><p>Run <code>npm run build</code> in the repository, then reload this page.</p></html>';

function notBuilt(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : NOT_BUILT_PAGE);
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
