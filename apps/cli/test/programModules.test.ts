import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hostRegistry } from '../src/programModules.js';
import { UsageError } from '../src/usage.js';

const dir = mkdtempSync(join(tmpdir(), 'wisp-programs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--programs modules', () => {
  it('adds a module’s programs to the examples', async () => {
    const mod = fileURLToPath(new URL('../../../test/integration/programs/filePrograms.ts', import.meta.url));
    const list = (await hostRegistry([mod])).list();
    expect(list).toContain('fhold@1');
    expect(list).toContain('counter@1');
  });

  it('a missing module or one without programs is a usage error naming it', async () => {
    await expect(hostRegistry([join(dir, 'nope.ts')])).rejects.toThrow(UsageError);
    await expect(hostRegistry([join(dir, 'nope.ts')])).rejects.toThrow(/--programs .*nope\.ts: cannot load it/);
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const programs = [{ name: 1 }];\n');
    await expect(hostRegistry([bad])).rejects.toThrow(/must be an array of defineProgram/);
  });
});
