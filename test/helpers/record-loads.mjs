// `node --import` this file to have every module the process loads written, one URL per line, to the file named
// by PUSH_RELAY_TEST_LOADS (a test of what sits on a start path). The hook runs in its own thread, so it
// appends as it goes rather than collecting and printing at exit.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
const out = ${JSON.stringify(process.env.PUSH_RELAY_TEST_LOADS ?? '')};
export async function load(url, context, next) {
  if (out) appendFileSync(out, url + '\\n');
  return next(url, context);
}
`),
);
