// The daemon's start-up keeps nearly everything it allocates: module code and schemas, then the inbox's log
// parsed into events (relay/inbox/file-inbox.ts `load`). V8 reads a high survival rate in its young
// generation as "allocating fast" and doubles the young generation after such scavenges, up to 2 × 16 MiB.
// That memory stays committed until the memory reducer shrinks it — after seconds of idleness at best — so a
// freshly started daemon held 20–28 MB more RSS with 100k stored events (~5 MB more with none) for nothing:
// the start takes the same time either way (507 vs 518 ms to `listening` with 100k events, medians of 10
// interleaved starts; more scavenges, each a smaller one).
//
// cli/daemon.ts calls `beginStartup()` before it imports the relay's modules. `--semi-space-growth-factor`
// is read each time V8 grows the young generation, so setting it at run time takes effect (unlike
// `--max-semi-space-size`, read once at heap set-up); a factor of 1 keeps the young generation at its
// initial size. `endStartup()` puts back V8's default (2), so a busy daemon still grows it as usual later.
import { setFlagsFromString } from 'node:v8';

const FLAG = '--semi-space-growth-factor';
const V8_DEFAULT = 2;

// Someone who tunes this by hand (`node --semi-space-growth-factor=N`) keeps their setting.
const tunedByHand = process.execArgv.some((arg) => arg.startsWith(FLAG));
let holding = false;

/** Keeps the young generation at its initial size until `endStartup()`. */
export function beginStartup(): void {
  if (tunedByHand || holding) return;
  setFlagsFromString(`${FLAG}=1`);
  holding = true;
}

export function endStartup(): void {
  if (!holding) return;
  setFlagsFromString(`${FLAG}=${V8_DEFAULT}`);
  holding = false;
}
