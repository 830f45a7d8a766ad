// A RelayCore with a real inbox and no push server, for tests of the loopback server alone.
import type { Inbox } from '../../../relay/inbox/index.js';
import type { RelayCore, RelayStatus } from '../../../relay/local/core.js';
import type { PushStreamStatus } from '../../../relay/upstream/push-stream.js';

export function fakeCore(inbox: Inbox, clientId: string): RelayCore {
  const refuse = async (): Promise<never> => {
    throw Object.assign(new Error('no push server in this test'), { code: 'unavailable', status: 503 });
  };
  return {
    inbox,
    control: { subscribe: refuse, unsubscribe: refuse, listSubscriptions: refuse, listTopics: refuse },
    status: (): RelayStatus => ({
      version: 'test',
      pid: process.pid,
      home: '/nowhere',
      mode: 'server',
      server: 'http://127.0.0.1:1',
      client_id: clientId,
      started_at: new Date(0).toISOString(),
      local_url: '',
      upstream: { state: 'paused' } as PushStreamStatus,
      inbox: { ...inbox.stats() },
      consumers: inbox.listConsumers(),
    }),
    onStatus: () => () => undefined,
  };
}
