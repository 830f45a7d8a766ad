// The error catalogue (relay/util/errors.ts) and its three mapping points: the local API's HTTP answer
// (httpErrorOf, and the local server that uses it), the MCP tool error (toToolError) and the CLI exit code
// (exitWhenDone). Each surface reads the kind, never the message or a guess from a `code` field.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayRequestError, RelayUnavailableError } from '../../../relay/client/local-client.js';
import { CliError, exitWhenDone, UsageError } from '../../../relay/cli/errors.js';
import { InboxClosedError, InboxWriteError } from '../../../relay/inbox/errors.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { toToolError } from '../../../relay/local/mcp/tool-errors.js';
import { startLocalServer } from '../../../relay/local/server.js';
import { LOCAL_API } from '../../../relay/protocol/local-api.js';
import { ControlError } from '../../../relay/upstream/errors.js';
import { ERROR_KINDS, kindOfStatus, RelayError, type ErrorKindName } from '../../../relay/util/errors.js';
import { HttpError, httpErrorOf } from '../../../relay/util/http.js';
import { silentLogger } from '../../../relay/util/log.js';
import { fakeCore } from '../../helpers/fake-core.js';

const diskFull = () => new InboxWriteError('consumers.json', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));

describe('the catalogue', () => {
  it('a client infers from an answer status the tool code and exit code the relay meant', () => {
    for (const [name, kind] of Object.entries(ERROR_KINDS) as [ErrorKindName, (typeof ERROR_KINDS)[ErrorKindName]][]) {
      if (name === 'relay_unavailable' || name === 'usage') continue; // never sent on the wire
      const inferred = ERROR_KINDS[kindOfStatus(kind.status)];
      expect({ name, tool: inferred.tool, retryable: inferred.retryable }).toEqual({ name, tool: kind.tool, retryable: kind.retryable });
    }
    expect(kindOfStatus(418)).toBe('bad_request');
    expect(kindOfStatus(200)).toBe('internal'); // a non-JSON 200 is the relay's fault
  });

  it('the layers below name their kinds: a closed inbox is a relay stopping, a failed write a disk to check', () => {
    expect(new InboxClosedError().kind).toBe('relay_stopping');
    expect(diskFull().kind).toBe('storage');
    expect(new ControlError('unauthorized', 'key refused', 'list_topics', 401).kind).toBe('upstream');
    expect(new ControlError('invalid_input', 'bad filter', 'subscribe').kind).toBe('bad_request');
  });
});

describe('HTTP: httpErrorOf and the local server', () => {
  it('answers each typed error with its kind\'s status and its own code; an untyped one is a bug', () => {
    expect(httpErrorOf(new InboxClosedError())).toMatchObject({ status: 503, code: 'inbox_closed' });
    expect(httpErrorOf(diskFull())).toMatchObject({ status: 507, code: 'inbox_write_failed' });
    const explicit = new HttpError(413, 'body_too_large', 'too large');
    expect(httpErrorOf(explicit)).toBe(explicit);
    // A `code` and a `status` on a plain Error are no longer taken at their word.
    expect(httpErrorOf(Object.assign(new Error('x'), { code: 'ENOENT', status: 404 }))).toBeUndefined();
  });

  it("the push server refusing the API key is a 502, never the local API's own 401", async () => {
    const inbox = new MemoryInbox();
    const core = fakeCore(inbox, 'errors', () => new ControlError('unauthorized', 'the API key was refused; set a valid key', 'list_subscriptions', 401));
    const server = await startLocalServer({ core, token: 'errors-test-token', port: 0, version: 'test', log: silentLogger });
    try {
      const res = await fetch(`${server.url}${LOCAL_API.subscriptions}`, { headers: { authorization: 'Bearer errors-test-token' } });
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'the API key was refused; set a valid key' } });
    } finally {
      await server.close();
      await inbox.close();
    }
  });
});

describe('MCP: toToolError', () => {
  it('picks the tool error code from the kind, in process and through the client alike', () => {
    expect(toToolError(new InboxClosedError()).code).toBe('relay_stopping');
    expect(toToolError(new RelayRequestError(503, 'inbox_closed', 'The inbox is closed')).code).toBe('relay_stopping');
    expect(toToolError(new ControlError('invalid_input', 'bad filter', 'subscribe')).code).toBe('invalid_request');
    expect(toToolError(new RelayRequestError(400, 'invalid_request', 'limit: too big')).message).toBe('Push Relay refused the arguments: limit: too big');
    expect(toToolError(new RelayRequestError(502, 'unauthorized', 'the API key was refused')).code).toBe('upstream_error');
  });

  it('says how to fix a refused local token or a relay that is not running, naming the home dir', () => {
    const token = toToolError(new RelayRequestError(401, 'unauthorized', 'send "Authorization: Bearer <token>"'), '/srv/home');
    expect(token.message).toBe('The relay on /srv/home refused its local token; restart the relay, or point --home at the home dir it runs on.');
    const down = toToolError(new RelayUnavailableError('no relay is running on /srv/home; start one with `push-relay daemon`'), '/srv/home');
    expect(down).toMatchObject({ code: 'relay_not_running', message: 'No Push Relay is running on /srv/home: start it with `push-relay daemon` (or the tray app), then call this tool again.' });
    expect(toToolError(new Error('boom')).message).toBe('Push Relay tool failed: boom');
  });
});

describe('CLI: exitWhenDone', () => {
  afterEach(() => vi.restoreAllMocks());

  async function exitOf(err: unknown): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const exited = new Promise<number>((resolve) => {
      vi.spyOn(process, 'exit').mockImplementation(((code: number) => resolve(code)) as never);
    });
    exitWhenDone(Promise.reject(err));
    const code = await exited;
    vi.restoreAllMocks();
    return { code, stderr };
  }

  it('exits with the kind\'s code and one line for every typed error, with a stack only for a bug', async () => {
    expect(await exitOf(new UsageError('give one subscription id'))).toEqual({ code: 2, stderr: 'push-relay: give one subscription id\n' });
    expect(await exitOf(new CliError('port 8080 is in use; pick another with --port N', 'port_in_use'))).toEqual({ code: 1, stderr: 'push-relay: port 8080 is in use; pick another with --port N\n' });
    const disk = await exitOf(diskFull());
    expect(disk.code).toBe(1);
    expect(disk.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(disk.stderr).toContain('ENOSPC');
    const bug = await exitOf(new TypeError('x is undefined'));
    expect(bug.code).toBe(70);
    expect(bug.stderr).toContain('unexpected error: TypeError: x is undefined\n    at ');
    expect((await exitOf(new RelayError('config', 'already_running', 'another relay (pid 7) is already running'))).code).toBe(1);
  });
});
