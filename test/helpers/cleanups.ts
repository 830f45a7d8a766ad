// One place for "close what this test opened": servers, relays, child processes, temp dirs. Each test
// registers a cleanup as it opens something; after the test they run in reverse order (the last thing
// opened may depend on an earlier one, e.g. a relay on its server and home), and every one runs even when
// one throws, so one failing close cannot leak the rest.
import { afterEach } from 'vitest';

export type Cleanup = () => unknown;

export interface CleanupOptions {
  /**
   * Swallow cleanup errors instead of failing the test. For chaos tests only: they break the world on
   * purpose (a full disk, a killed server), so a close may fail in ways the test has already judged.
   */
  ignoreErrors?: boolean;
}

export interface Cleanups {
  add(fn: Cleanup): void;
  /** Runs and forgets every registered cleanup, newest first; throws the error, or an AggregateError of several. */
  run(): Promise<void>;
}

export function createCleanups({ ignoreErrors = false }: CleanupOptions = {}): Cleanups {
  const pending: Cleanup[] = [];
  return {
    add(fn) {
      pending.push(fn);
    },
    async run() {
      const errors: unknown[] = [];
      for (const fn of pending.splice(0).reverse()) {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
        }
      }
      if (ignoreErrors || errors.length === 0) return;
      if (errors.length === 1) throw errors[0];
      throw new AggregateError(errors, `${errors.length} cleanups failed`);
    },
  };
}

/** Cleanups run after each test of the calling file (or describe block). */
export function useCleanups(options: CleanupOptions = {}): Cleanups {
  const cleanups = createCleanups(options);
  afterEach(() => cleanups.run());
  return cleanups;
}
