#!/usr/bin/env node
// `npm start`: the tray app when Electron's binary is installed and there is a display; otherwise
// `push-relay daemon` (demo mode unless a server is configured) and ONE line saying why. Extra arguments
// go to whichever runs (`npm start -- --home /tmp/x`). SIGINT/SIGTERM/SIGHUP are forwarded to the child.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const launchJs = fileURLToPath(new URL('../dist/main/launch.js', import.meta.url));
if (!existsSync(launchJs)) {
  process.stderr.write('push-relay: not built yet. Run `npm ci` (or `npm run build`) in the repository root first.\n');
  process.exit(1);
}
const { decideLaunch, fallbackLine, readLaunchFacts } = await import(pathToFileURL(launchJs).href);

const args = process.argv.slice(2);
const decision = decideLaunch(readLaunchFacts(root));
const env = { ...process.env };
let command;
let commandArgs;
if (decision.mode === 'tray') {
  delete env.ELECTRON_RUN_AS_NODE; // would make the binary behave as plain Node
  command = decision.electron;
  commandArgs = [root, ...args];
} else {
  process.stderr.write(`${fallbackLine(decision.reason)}\n`);
  command = process.execPath;
  commandArgs = [fileURLToPath(new URL('../bin/push-relay', import.meta.url)), 'daemon', ...args];
}

// Its own process group: a terminal's Ctrl-C reaches the child once, through us, not twice.
const child = spawn(command, commandArgs, { stdio: 'inherit', env, detached: process.platform !== 'win32' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});
child.on('error', (err) => {
  process.stderr.write(`push-relay: cannot start ${command}: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
});
