// The CLI's commands: name, one-line summary (the top-level help and each command's `--help`), and the module
// that runs it, loaded lazily so that light commands never pay for heavy imports such as the MCP SDK. Each
// module's own usage line lives next to its code (the `parse` call), which answers `--help` with it.
export interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<void> }>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  daemon: { summary: 'run the relay headless (--demo: against the embedded reference server)', load: () => import('./daemon.js') },
  status: { summary: "show the running relay's state (--json for all of it)", load: () => import('./status.js') },
  events: { summary: 'list recent events, or --pending ones of a consumer', load: () => import('./events.js') },
  subscriptions: { summary: 'list this relay’s subscriptions on the push server', load: () => import('./subscriptions.js') },
  subscribe: { summary: 'subscribe to topics: --topic T… [--filter JSON] [--label L]', load: () => import('./subscribe.js') },
  unsubscribe: { summary: 'remove a subscription by id', load: () => import('./unsubscribe.js') },
  login: { summary: 'sign in to the push server with OAuth: [--server URL] [--no-browser]', load: () => import('./login.js') },
  logout: { summary: 'sign out of the push server (revokes and forgets the tokens): [--server URL]', load: () => import('./logout.js') },
  topics: { summary: "list the push server's topic catalog", load: () => import('./topics.js') },
  mcp: { summary: 'stdio MCP server for agents, backed by the running relay: [--consumer NAME | --per-session] [--channel]', load: () => import('./mcp.js') },
  hook: {
    summary: 'Claude Code hook entry points: hook stop|session-start|prompt-submit|session-end|idle-wake (hook JSON on stdin)',
    load: () => import('./hook.js'),
  },
  sessions: { summary: 'list the Claude Code sessions the relay knows: project, state, last hand-over (--all, --json)', load: () => import('./sessions.js') },
  watch: { summary: 'print one line per new event (for Claude Code\'s Monitor tool and scripts)', load: () => import('./watch.js') },
  install: { summary: 'install claude-code [--scope user|project] [--session-mode shared|per-session] [--dry-run]: add the MCP server and hooks', load: () => import('./install.js') },
  uninstall: { summary: 'uninstall claude-code [--scope user|project]: remove what install added', load: () => import('./uninstall.js') },
  upstream: {
    summary: 'standard MCP servers as event sources: upstream add|list|remove|enable|disable|import claude-code',
    load: () => import('./upstream.js'),
  },
  'reference-server': {
    summary: 'run the reference push server standalone (--demo for sample events)',
    load: () => import('./reference-server.js'),
  },
};
