import type { LinkDetailRow, LinkListRow, LinkRow, PublicLinkRow } from './onboarding-link.repository';
import type { LinkDetailDto, LinkDto, LinkListItemDto, PublicLinkDto } from './dto/onboarding.response.dto';

/** The rows the onboarding link repository reads, as the API answers them. */

function toLinkDto(r: LinkRow): LinkDto {
  return {
    id: r.id,
    organization_id: r.organization_id,
    created_by: r.created_by,
    link_token: r.link_token,
    link_url: r.link_url,
    template_id: r.template_id,
    template_name: r.template_name,
    welcome_message: r.welcome_message,
    status: r.status,
    expires_at: r.expires_at,
    clicks_count: r.clicks_count,
    first_accessed_at: r.first_accessed_at,
    last_accessed_at: r.last_accessed_at,
    completed_at: r.completed_at,
    current_step: r.current_step,
    total_steps: r.total_steps,
    progress_percentage: r.progress_percentage,
    created_at: r.created_at,
    updated_at: r.updated_at,
    revoked_at: r.revoked_at,
    revoked_by: r.revoked_by,
    revoked_reason: r.revoked_reason,
    organization_name: r.organization_name,
    created_by_email: r.created_by_email,
  };
}

export function toLinkListItemDto(r: LinkListRow): LinkListItemDto {
  return { ...toLinkDto(r), created_by_first_name: r.created_by_first_name, created_by_last_name: r.created_by_last_name };
}

export function toLinkDetailDto(r: LinkDetailRow): LinkDetailDto {
  return {
    ...toLinkDto(r),
    ip_addresses: r.ip_addresses.map((a) => ({ ip: a.ip, timestamp: a.timestamp })),
    user_agents: r.user_agents.map((a) => ({ user_agent: a.user_agent, timestamp: a.timestamp })),
  };
}

export function toPublicLinkDto(r: PublicLinkRow): PublicLinkDto {
  return {
    organization_name: r.organization_name,
    welcome_message: r.welcome_message,
    total_steps: r.total_steps,
    current_step: r.current_step,
    progress_percentage: r.progress_percentage,
    template_name: r.template_name,
    expires_at: r.expires_at,
  };
}
