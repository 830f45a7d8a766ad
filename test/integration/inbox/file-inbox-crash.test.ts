// The file inbox survives a real crash: a child process (the compiled inbox from dist/) appends in bursts
// and is SIGKILLed mid-burst; every append it saw resolve is there on reopen, seqs dense and ordered.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileInbox } from '../../../relay/inbox/file-inbox.js';
import { SOURCE_A, incoming } from '../../contract/inbox.contract.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { tempDir } from '../../helpers/tmp.js';

const cleanup = useCleanups();

async function newDir(): Promise<string> {
  const dir = await tempDir('file-inbox-crash-');
  cleanup.add(dir.cleanup);
  return dir.path;
}

async function open(dir: string): Promise<FileInbox> {
  const inbox = await FileInbox.open({ dir });
  cleanup.add(() => inbox.close());
  return inbox;
}

/** Closes an inbox and opens the same dir again. */
async function reopen(inbox: FileInbox, dir: string): Promise<FileInbox> {
  await inbox.close();
  return open(dir);
}

describe('FileInbox crash', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const compiled = join(root, 'dist', 'relay', 'inbox', 'file-inbox.js');

  it('reopens intact after SIGKILL mid-burst, with every resolved append present', async () => {
    expect(existsSync(compiled), `${compiled} is missing: run \`npm run build\` (tsc -p tsconfig.build.json) before this test`).toBe(true);
    const dir = await newDir();
    const script = join(dir, 'child.mjs');
    await writeFile(
      script,
      `import { FileInbox } from ${JSON.stringify(pathToFileURL(compiled).href)};
const inbox = await FileInbox.open({ dir: process.argv[2] });
const source = ${JSON.stringify(SOURCE_A)};
let id = 0;
for (;;) {
  // A burst: 25 appends in flight at once, each printing its seqs as soon as it is durable.
  const burst = [];
  for (let i = 0; i < 25; i++) {
    id++;
    const event = { event_id: id, topic: 'deal.closed', category: 'deal', occurred_at: new Date().toISOString(), payload: { n: id, pad: 'x'.repeat(200) } };
    burst.push(inbox.append([{ source, subscription_id: 'sub-1', event }]).then((r) => {
      for (const e of r.appended) process.stdout.write(e.seq + ' ' + e.event_id + '\\n');
    }));
  }
  await Promise.all(burst);
}
`,
    );
    const inboxDir = join(dir, 'inbox');
    const child = spawn(process.execPath, [script, inboxDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    // Kill as soon as enough appends are durable; the child is always mid-burst.
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').length > 400) child.kill('SIGKILL');
    });
    const signal = await exited;
    expect(err).toBe('');
    expect(signal).toBe('SIGKILL');

    // Only complete lines count: each is one resolved (durable) append.
    const durable = out
      .split('\n')
      .slice(0, -1)
      .map((line) => line.split(' ').map(Number) as [number, number]);
    expect(durable.length).toBeGreaterThanOrEqual(400);

    const inbox = await open(inboxDir);
    for (const [seq, eventId] of durable) expect(inbox.get(seq)?.event_id, `seq ${seq}`).toBe(eventId);
    const stats = inbox.stats();
    expect(stats.head).toBeGreaterThanOrEqual(Math.max(...durable.map(([seq]) => seq)));
    // Seqs stay dense and ordered: a crash drops only a tail, never a record in the middle.
    expect(inbox.readSince(0).map((e) => e.seq)).toEqual(Array.from({ length: stats.events }, (_, i) => i + 1));
    expect(inbox.readSince(0).map((e) => e.event_id)).toEqual(Array.from({ length: stats.events }, (_, i) => i + 1));
    const next = await inbox.append([incoming(1_000_000)]);
    expect(next.appended[0]?.seq).toBe(stats.head + 1);
    const again = await reopen(inbox, inboxDir);
    expect(again.stats()).toMatchObject({ skippedOnOpen: 0, events: stats.events + 1 });
  });
});
