// The one mapping of failures onto MCP tool errors (STYLE.md "A tool failure is a result, not a crash"): the
// error catalogue (relay/util/errors.ts) picks the tool error code; the text says what to do. Both backends'
// failures come through here: the in-process one's (inbox, control plane) and the remote one's (the client's).
import { ERROR_KINDS, RelayError } from '../../util/errors.js';
import { SUBSCRIPTION_NOT_FOUND, withNextStep } from '../unknown-subscription.js';
import { relayNotRunning, relayStopping, ToolError } from './backend.js';

/** `home` names the relay's home dir in the texts that need it (the remote backend knows it). */
export function toToolError(err: unknown, home?: string): ToolError {
  if (err instanceof ToolError) return err;
  if (!(err instanceof RelayError)) return new ToolError('relay_error', `Push Relay tool failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  const tool = ERROR_KINDS[err.kind].tool;
  // The same words on every surface; an agent is told its own way to see the ids.
  if (err.code === SUBSCRIPTION_NOT_FOUND) return new ToolError(tool, withNextStep(err.message, 'mcp'), { cause: err });
  switch (err.kind) {
    case 'relay_unavailable':
      return home === undefined ? new ToolError(tool, err.message, { cause: err }) : relayNotRunning(home, describeUnavailable(err.message));
    case 'relay_stopping':
      return relayStopping();
    case 'unauthorized':
      return new ToolError(tool, `The relay on ${home ?? 'this home dir'} refused its local token; restart the relay, or point --home at the home dir it runs on.`, { cause: err });
    case 'bad_request':
    case 'usage':
      return new ToolError(tool, `Push Relay refused the arguments: ${err.message}`, { cause: err });
    case 'upstream':
      return new ToolError(tool, `The push server call failed (${err.code}): ${err.message}`, { cause: err });
    default:
      return new ToolError(tool, `Push Relay call failed (${err.code}): ${err.message}`, { cause: err });
  }
}

/** The client's messages say "no relay…; start one" already; keep only the part that is news. */
function describeUnavailable(message: string): string | undefined {
  if (message.startsWith('no relay is running')) return undefined;
  return message.replace(/; is it running\?$/, '');
}
