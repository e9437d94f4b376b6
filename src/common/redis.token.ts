/** The shared Redis connection (REDIS_URL), or null: then limits and caches are per instance. */
export const REDIS = Symbol('REDIS');
