// `push-relay logout`: see login.ts.
export { runLogout as run } from './login.js';
