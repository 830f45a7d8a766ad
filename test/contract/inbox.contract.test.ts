// Runs the inbox contract against both implementations.
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { MemoryInbox } from '../../relay/inbox/memory-inbox.js';
import { inboxContract } from './inbox.contract.js';
import { receiptsContract } from './receipts.contract.js';

inboxContract('MemoryInbox', async (_dir, options) => new MemoryInbox(options));
inboxContract('FileInbox', (dir, options) => FileInbox.open({ dir, ...options }));

receiptsContract('MemoryInbox', async (_dir, options) => new MemoryInbox(options));
receiptsContract('FileInbox', (dir, options) => FileInbox.open({ dir, ...options }));
