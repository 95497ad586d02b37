import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's workspace package (`apps/ui`): its sources and, once built, `dist/`. */
export const UI_PACKAGE = fileURLToPath(new URL('../../../ui/', import.meta.url));
/** Where the built page is. */
export const UI_ASSETS = join(UI_PACKAGE, 'dist');

/** Newest modification time of the files under `dir`, ms. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** True when `dist/` is missing or older than the page's sources. */
export function assetsStale(): boolean {
  const built = join(UI_ASSETS, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(newest(join(UI_PACKAGE, 'src')), statSync(join(UI_PACKAGE, 'index.html')).mtimeMs, statSync(join(UI_PACKAGE, 'vite.config.ts')).mtimeMs);
  return statSync(built).mtimeMs < sources;
}

/**
 * Builds the page with Vite (`apps/ui`'s own `vite build`) when it is missing or older than its
 * sources, so `wisp ui` and the tests serve what the sources say; quick when it is up to date.
 */
export function ensureUiAssets(log: (line: string) => void = () => {}): string {
  if (!assetsStale()) return UI_ASSETS;
  log('wisp: building the dashboard page (vite build)…');
  const vite = join(createRequire(join(UI_PACKAGE, 'package.json')).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: UI_PACKAGE, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the dashboard failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return UI_ASSETS;
}
