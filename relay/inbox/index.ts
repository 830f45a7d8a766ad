// Public surface of the inbox: the port, both implementations, their errors.
export * from './types.js';
export { MemoryInbox, type MemoryInboxOptions } from './memory-inbox.js';
export { FileInbox, type FileInboxOptions } from './file-inbox.js';
export { nodeInboxFs, type InboxFs } from './fs.js';
export { InboxError, InboxClosedError, InboxWriteError, type InboxErrorCode } from './errors.js';
