// A configuration problem the user can fix (missing key, bad URL, port in use): one line, exit 1.
export class RelayConfigError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}
