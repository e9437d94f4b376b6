/**
 * How the portal uses the client; compiled with `tsc --strict` in CI (npm run client:check), so a
 * change to the API that would break the portal breaks this file first.
 */
import { createSalesbrainClient, type Schemas } from './index';

export async function example(baseUrl: string, token: string, organizationId: string): Promise<void> {
  const api = createSalesbrainClient(baseUrl, token);

  // The webhook log, failed first page; the answer is {success, data: {logs, total, ...}}.
  const list = await api.GET('/api/admin/webhooks/logs', { params: { query: { status: 'failed', limit: 20 } } });
  if (list.error) throw new Error(`${list.error.statusCode}: ${list.error.message}`);
  const logs: Schemas['WebhookLogDto'][] = list.data.data.logs;
  console.log(`${list.data.data.total} failed logs; more: ${list.data.data.has_more}; next cursor: ${list.data.data.next_cursor ?? 'none'}`);

  // One log with its payload and attempts.
  const first = logs[0];
  if (first) {
    const detail = await api.GET('/api/admin/webhooks/logs/{id}', { params: { path: { id: first.id } } });
    const log = detail.data?.data;
    const lastAttempt: string | undefined = log?.attempt_history.at(-1)?.outcome;
    console.log(log?.event_type, log?.status, log?.organization_name ?? '(unmapped)', lastAttempt, Object.keys(log?.payload ?? {}));
  }

  // Statistics for the charts.
  const stats = await api.GET('/api/admin/webhooks/stats', { params: { query: { interval: 'day', organization_id: organizationId } } });
  const rate: number | undefined = stats.data?.data.failure_rate;
  const buckets = stats.data?.data.buckets.map((b) => [b.bucket, b.total, b.failed] as const) ?? [];
  console.log(`failure rate ${rate}; ${buckets.length} buckets; processed ${stats.data?.data.by_status.processed ?? 0}`);

  // An onboarding link (201).
  const link = await api.POST('/api/admin/onboarding/create-link', { body: { organization_id: organizationId, expiration_days: 14 } });
  if (link.data) {
    const created: Schemas['CreatedLinkDto'] = link.data.data;
    console.log(created.link_url, created.expires_at, created.status);
  }

  // Auto-assignment: who got which contact.
  const auto = await api.POST('/api/admin/assignments/auto-assign', { body: { organization_id: organizationId, strategy: 'round_robin' } });
  for (const a of auto.data?.data.assignments ?? []) console.log(`${a.contact_id} -> ${a.user_id}`);
  if (auto.error) console.error(auto.error.detail);

  // Routing (platform roles): the workspace id is a string, or null to unmap the organization.
  await api.PATCH('/api/admin/organizations/{id}', { params: { path: { id: organizationId } }, body: { instantly_workspace_id: 'workspace-1' } });
  await api.PATCH('/api/admin/organizations/{id}', { params: { path: { id: organizationId } }, body: { instantly_workspace_id: null } });

  // Bulk retry takes exactly one of log_ids or filter; a dry run only counts.
  const dry = await api.POST('/api/admin/webhooks/logs/bulk-retry', { body: { filter: { status: 'failed', search: 'lead' }, dry_run: true } });
  console.log(dry.data?.success_count);

  // A body whose fields are all optional may be left out.
  const retried = await api.POST('/api/admin/webhooks/logs/{id}/retry', { params: { path: { id: organizationId } } });
  console.log(retried.data?.data.status);

  // The assignment picker: a contact's owner is a user or null.
  const contacts = await api.GET('/api/admin/contacts', { params: { query: { organization_id: organizationId, min_lead_score: 10 } } });
  const owner: Schemas['ContactOwnerDto'] | null | undefined = contacts.data?.data.contacts[0]?.owner;
  console.log(owner?.email ?? 'unassigned');

  // A lead's personal data: what the organization holds, then erase it and suppress later events.
  const held = await api.GET('/api/admin/privacy/subject', { params: { query: { email: 'lead@prospect.example' } } });
  console.log(held.data?.data.logs.length, held.data?.data.contacts[0]?.first_name ?? null);
  const erased = await api.POST('/api/admin/privacy/erase', { body: { email: 'lead@prospect.example', suppress: true } });
  const counts: Schemas['ErasedCountsDto'] | undefined = erased.data?.data.erased;
  console.log(counts?.logs, erased.data?.data.nothing_to_erase);
}
