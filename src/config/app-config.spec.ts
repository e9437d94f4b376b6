import { ConfigError, loadConfig } from './app-config';

const base = { JWT_SECRET: 'x'.repeat(32) };

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      port: 3000,
      databaseUrl: '',
      databasePoolSize: 10,
      webhookMaxAttempts: 5,
      webhookWorkers: 1,
      onboardingExpiryCron: '0 0 * * *',
      logRequests: true,
      trustProxy: 'loopback',
      databasePreparedContext: true,
    });
    expect(c.webhookSecrets).toEqual({});
  });

  it.each([
    [{ JWT_SECRET: '' }, /JWT_SECRET is required/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32/],
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
    [{ DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE/],
    [{ WEBHOOK_WORKERS: '-1' }, /WEBHOOK_WORKERS/],
    [{ INSTANTLY_WEBHOOK_SECRET: 'abc' }, /INSTANTLY_WEBHOOK_SECRET must be at least 16/],
    [{ WEBHOOK_SECRET_ZAPIER: 'abc' }, /WEBHOOK_SECRET_ZAPIER/],
    [{ ONBOARDING_BASE_URL: 'not a url' }, /ONBOARDING_BASE_URL/],
    [{ ONBOARDING_EXPIRY_CRON: 'every day' }, /ONBOARDING_EXPIRY_CRON/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ LOG_REQUESTS: 'yes' }, /LOG_REQUESTS/],
    [{ DATABASE_PREPARED_CONTEXT: '1' }, /DATABASE_PREPARED_CONTEXT/],
  ])('%j stops start-up naming the variable', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });

  it('enables a webhook source by its secret and trims the onboarding base URL', () => {
    const c = loadConfig({ ...base, WEBHOOK_SECRET_N8N: 'n'.repeat(16), ONBOARDING_BASE_URL: 'https://on.example/o/' });
    expect(c.webhookSecrets).toEqual({ n8n: 'n'.repeat(16) });
    expect(c.onboardingBaseUrl).toBe('https://on.example/o');
  });
});
