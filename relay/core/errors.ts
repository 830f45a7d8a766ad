// A configuration problem the user can fix (missing key, bad URL, port in use): one line, exit 1 (the `config`
// kind of the error catalogue, relay/util/errors.ts).
import { RelayError } from '../util/errors.js';

export class RelayConfigError extends RelayError {
  constructor(message: string, code: string) {
    super('config', code, message);
  }
}
