import type { CampaignAssignmentRow, ContactAssignmentRow, ContactRow, UserWithCountsRow } from './assignment-list.repository';
import type { CampaignAssignmentDto, ContactAssignmentDto, ContactDto, UserWithCountsDto } from './dto/assignment.response.dto';

/** The rows the assignment repository reads, as the API answers them. */

export function toContactDto(r: ContactRow): ContactDto {
  return {
    id: r.id,
    organization_id: r.organization_id,
    email: r.email,
    first_name: r.first_name,
    last_name: r.last_name,
    company: r.company,
    campaign_id: r.campaign_id,
    lead_score: r.lead_score,
    lead_status: r.lead_status,
    emails_sent: r.emails_sent,
    opens: r.opens,
    clicks: r.clicks,
    replies: r.replies,
    bounced: r.bounced,
    unsubscribed: r.unsubscribed,
    last_event_at: r.last_event_at,
    created_at: r.created_at,
    owner: r.owner && {
      user_id: r.owner.user_id,
      email: r.owner.email,
      first_name: r.owner.first_name,
      last_name: r.owner.last_name,
      assignment_type: r.owner.assignment_type,
      assigned_at: r.owner.assigned_at,
    },
  };
}

export function toUserWithCountsDto(r: UserWithCountsRow): UserWithCountsDto {
  return {
    id: r.id,
    organization_id: r.organization_id,
    email: r.email,
    first_name: r.first_name,
    last_name: r.last_name,
    role: r.role,
    status: r.status,
    created_at: r.created_at,
    campaigns_count: r.campaigns_count,
    contacts_count: r.contacts_count,
  };
}

export function toCampaignAssignmentDto(r: CampaignAssignmentRow): CampaignAssignmentDto {
  return {
    assignment_id: r.assignment_id,
    campaign_id: r.campaign_id,
    campaign_name: r.campaign_name,
    campaign_status: r.campaign_status,
    role: r.role,
    can_edit: r.can_edit,
    can_view_stats: r.can_view_stats,
    can_manage_contacts: r.can_manage_contacts,
    assigned_by: r.assigned_by,
    assigned_at: r.assigned_at,
  };
}

export function toContactAssignmentDto(r: ContactAssignmentRow): ContactAssignmentDto {
  return {
    assignment_id: r.assignment_id,
    contact_id: r.contact_id,
    contact_email: r.contact_email,
    first_name: r.first_name,
    last_name: r.last_name,
    company: r.company,
    lead_score: r.lead_score,
    assignment_type: r.assignment_type,
    is_primary_owner: r.is_primary_owner,
    last_contacted_at: r.last_contacted_at,
    next_followup_at: r.next_followup_at,
    interactions_count: r.interactions_count,
    assigned_by: r.assigned_by,
    assigned_at: r.assigned_at,
  };
}
