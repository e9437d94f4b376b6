/** Clocks kept at most; beyond, those whose turn has come are dropped (they would start from now anyway). */
const MAX_CLOCKS = 10_000;

/**
 * Each tenant's turn for its received events: a start-time fair queue. A tenant's clock advances by
 * 1 / sharePerSecond per event and never lags behind now, so a tenant sending within its share
 * gets turns at its receipt times, and one sending faster gets turns spread ahead in time. Workers
 * take first attempts in order of turn (not waiting for it: alone, a flood is processed at full
 * speed), so another tenant's event, whose turn is its receipt, goes before the flood's later
 * events: one tenant's backlog delays another's event by about a batch, whatever its size.
 *
 * Per instance and in memory (events are stored by the instance that received them): with k
 * instances a tenant's share is up to k times this one; after a restart every clock starts at now.
 */
export class FairTurns {
  private readonly clocks = new Map<string, number>();
  private readonly stepMs: number;

  constructor(sharePerSecond: number) {
    this.stepMs = 1000 / sharePerSecond;
  }

  /** How long after now this event's turn is, in milliseconds (0: now), and the tenant's clock moved on. */
  delayMs(tenant: string, now = Date.now()): number {
    const turn = Math.max(now, this.clocks.get(tenant) ?? now);
    if (this.clocks.size >= MAX_CLOCKS && !this.clocks.has(tenant)) this.prune(now);
    this.clocks.set(tenant, turn + this.stepMs);
    return turn - now;
  }

  private prune(now: number): void {
    for (const [tenant, clock] of this.clocks) if (clock <= now) this.clocks.delete(tenant);
    if (this.clocks.size >= MAX_CLOCKS) this.clocks.clear();
  }
}

/** The tenant an event's turn is kept for: the organization whose credential received it, else its Instantly workspace, else its source. */
export function fairTenant(e: { source: string; credentialOrgId?: string | null; workspaceId: string | null }): string {
  if (e.credentialOrgId) return `organization:${e.credentialOrgId}`;
  return e.workspaceId ? `workspace:${e.workspaceId}` : `source:${e.source}`;
}
