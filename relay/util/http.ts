// Small HTTP helpers shared by the reference server and the relay's local server (node:http, no framework:
// the routes are few and fixed, and the hook path must stay light).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_KINDS, kindOfStatus, RelayError } from './errors.js';
import { nestsDeeperThan } from '../protocol/json-depth.js';
import { MAX_FRAME_DEPTH } from '../protocol/limits.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** One route of a node:http server: the relay's local API, the UI files, relay/notify's routes. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** An error that becomes a 4xx/5xx JSON body `{ error: { code, message } }`, with its own status. */
export class HttpError extends RelayError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(kindOfStatus(status), code, message);
  }
}

/**
 * The HTTP answer of a failure (the local API's one mapping): an HttpError as it is, any other RelayError by its
 * kind in the catalogue, with its own code and message. Undefined for anything else: a bug, which the caller
 * logs and answers as a 500 that names no internals.
 */
export function httpErrorOf(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof RelayError) return new HttpError(ERROR_KINDS[err.kind].status, err.code, err.message);
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

/** Reads the body up to `limit` bytes; a larger body is refused without reading the rest. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'body_too_large', `request body is larger than ${limit} bytes; send less per request`);
}

/**
 * Reads and parses a JSON body, with errors a caller can act on. A body nesting arrays and objects deeper than
 * `maxDepth` (default: what a push frame may nest, relay/protocol/limits.ts) is a 400 before it is parsed:
 * nothing downstream (schemas, JSON.stringify) then recurses through thousands of levels and overflows the
 * stack, which would be a 500. No body of the relay's own API or the reference server's nests that deep.
 */
export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES, maxDepth = MAX_FRAME_DEPTH): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as JSON with "Content-Type: application/json"');
  }
  const body = await readBody(req, limit);
  if (body.length === 0) throw new HttpError(400, 'empty_body', 'request body is empty; send a JSON object');
  const text = body.toString('utf8');
  if (nestsDeeperThan(text, maxDepth)) {
    throw new HttpError(400, 'json_too_deep', `request body nests arrays/objects deeper than ${maxDepth} levels; send flatter JSON`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON (${(err as Error).message})`);
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
