#!/usr/bin/env node
// Build step (after tsc): writes the Claude Code plugin to dist/claude-plugin/ from the same hook and MCP
// server list the installer uses (relay/install/spec.ts), with this checkout's absolute paths.
import { fileURLToPath } from 'node:url';
import { defaultLauncher } from '../dist/relay/install/launcher.js';
import { writePluginDir } from '../dist/relay/install/plugin.js';

const dir = fileURLToPath(new URL('../dist/claude-plugin/', import.meta.url));
writePluginDir(dir, defaultLauncher());
process.stdout.write(`Claude Code plugin: ${dir}\n`);
