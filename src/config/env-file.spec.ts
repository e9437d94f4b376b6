import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadEnvFile } from './env-file';

describe('.env', () => {
  const keys = ['SB_ENVFILE_SET', 'SB_ENVFILE_NEW'];
  afterEach(() => keys.forEach((k) => delete process.env[k]));

  it('is read into the environment, and a variable already exported wins over the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'envfile-')), '.env');
    writeFileSync(file, '# comment\nSB_ENVFILE_SET=from-file\nSB_ENVFILE_NEW="quoted value"\n');
    process.env.SB_ENVFILE_SET = 'exported';
    loadEnvFile(file);
    expect(process.env.SB_ENVFILE_SET).toBe('exported');
    expect(process.env.SB_ENVFILE_NEW).toBe('quoted value');
  });

  it('is optional', () => {
    expect(() => loadEnvFile(join(tmpdir(), 'no-such-dir-for-envfile', '.env'))).not.toThrow();
    expect(process.env.SB_ENVFILE_NEW).toBeUndefined();
  });
});
