import { execFileSync } from 'child_process';

/**
 * Whether Prometheus's binaries are installed (Debian's `prometheus` package; `.ci/run` installs
 * it). Without them the tests that need them are skipped with a warning, unless
 * SALESBRAIN_REQUIRE_PROMETHEUS is set (CI), where a missing binary fails them.
 */
export function hasPrometheus(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.SALESBRAIN_REQUIRE_PROMETHEUS) return true;
    console.warn('Prometheus is not installed (apt-get install prometheus): its tests are skipped');
    return false;
  }
}
