// The demo tenant and its well-known token (README's curl line uses it). Its own module so the relay can name
// them without loading the server, which pulls in the MCP SDK.
export const DEMO_TOKEN = 'demo-token';
export const DEMO_TENANT = 'demo';
