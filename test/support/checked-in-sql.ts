import { readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join, relative } from 'path';

export const ROOT = join(__dirname, '..', '..');

/**
 * Checked-in SQL files are compared with what the code or the migrated database produces; with
 * UPDATE_SQL=1 (`npm run sql:update`) they are rewritten instead, so a change's diff shows the SQL
 * it makes.
 */
export const UPDATING_SQL = process.env.UPDATE_SQL === '1';

/** Files under dir (relative to the repository) whose names end with suffix. */
export function filesEnding(dir: string, suffix: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((name) => {
      const path = join(d, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith(suffix) ? [relative(ROOT, path)] : [];
    });
  return walk(join(ROOT, dir)).sort();
}

/** The file's text, or '' when there is none. */
export function readChecked(path: string): string {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return '';
  }
}

/** Writes text to path when updating; otherwise returns whether the file already holds exactly text. */
export function writeOrMatch(path: string, text: string): boolean {
  if (UPDATING_SQL) {
    writeFileSync(join(ROOT, path), text);
    return true;
  }
  return readChecked(path) === text;
}
