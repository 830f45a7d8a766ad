// Entry of the hook bundle, dist/push-relay-hook.cjs (built by scripts/build-hook-bundle.mjs): the Claude Code
// hooks as `install claude-code` writes them, `node <checkout>/dist/push-relay-hook.cjs stop|session-start|
// prompt-submit|idle-wake [--consumer NAME] [--per-session] [--home DIR]`. bin/push-relay runs it too for
// `push-relay hook …` (dropping the word `hook`), so both answer alike. Why a bundle: see the build script.
import { exitWhenDone } from './errors.js';
import { run } from './hook.js';

exitWhenDone(run(process.argv.slice(2)));
