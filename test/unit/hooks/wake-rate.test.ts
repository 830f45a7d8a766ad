import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_WAKES_PER_MINUTE, recentWakes, recordWake, wakeDelay, wakeLogFile } from '../../../relay/hooks/wake-rate.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir('wake-rate-');
});
afterEach(async () => {
  await dir.cleanup();
});

describe('idle wake bound', () => {
  it(`allows ${MAX_WAKES_PER_MINUTE} wakes in any 60 s, then holds until the oldest of them is a minute old`, () => {
    const t = 10_000_000;
    expect(wakeDelay([], t)).toBe(0);
    expect(wakeDelay([t - 30_000, t - 20_000, t - 10_000], t)).toBe(0);
    expect(wakeDelay([t - 30_000, t - 20_000, t - 10_000, t - 5000], t)).toBe(30_000);
    expect(wakeDelay([t - 59_999, t - 3000, t - 2000, t - 1000], t)).toBe(1);
  });

  it('records wakes in the session file, forgetting those older than a minute; a bad file counts as none', () => {
    const file = wakeLogFile(dir.path, 'sess');
    const t = 50_000_000;
    recordWake(file, t - 70_000);
    for (let i = 4; i >= 1; i--) recordWake(file, t - i * 1000);
    expect(recentWakes(file, t)).toEqual([t - 4000, t - 3000, t - 2000, t - 1000]);
    expect(wakeDelay(recentWakes(file, t), t)).toBe(56_000);
    writeFileSync(join(dir.path, 'hooks', 'wakes-sess'), 'not json');
    expect(recentWakes(file, t)).toEqual([]);
  });
});
