// `push-relay uninstall claude-code [--scope user|project] [--dry-run]`: removes exactly what install added
// (hooks and the MCP server whose command runs push-relay), with a backup of each changed file.
import { applyPlan, planDiff, planUninstall } from '../install/claude-code.js';
import { parse } from './args.js';
import { checkTarget, parseScope } from './install.js';

const USAGE = 'push-relay uninstall claude-code [--scope user|project] [--dry-run]';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { scope: { type: 'string' }, 'dry-run': { type: 'boolean' } }, USAGE);
  checkTarget(positionals, USAGE);
  const scope = parseScope(values.scope);
  const plan = planUninstall({ scope });
  if (values['dry-run']) {
    process.stdout.write(plan.changes.length === 0 ? `push-relay is not installed for Claude Code (${scope} scope); nothing would change\n` : planDiff(plan, 'uninstall'));
    return;
  }
  if (plan.changes.length === 0) {
    process.stdout.write(`push-relay is not installed for Claude Code (${scope} scope); nothing to remove\n`);
    return;
  }
  for (const applied of applyPlan(plan)) {
    process.stdout.write(`updated ${applied.path}: ${applied.what}${applied.backup ? ` (backup: ${applied.backup})` : ''}\n`);
  }
}
