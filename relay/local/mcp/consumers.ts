// Consumer names of the agent layer (DESIGN.md "Consumers"). No imports: the hooks may use this too.

/**
 * The per-session consumer of a Claude Code session: `session:<session_id>`. The hooks key it by the hook
 * input's `session_id` (the truth); `push-relay mcp --per-session` by `CLAUDE_CODE_SESSION_ID`, which goes
 * stale after `/clear` starts a new session id in the same process.
 */
export function sessionConsumer(sessionId: string): string {
  return `session:${sessionId.replace(/[^\w.:@-]/g, '_').slice(0, 92)}`;
}
