import { Injectable } from '@nestjs/common';
import { randomInt } from 'crypto';
import { ActivityService } from '../activity/activity.service';
import { Caller, orgScope } from '../auth/roles';
import { AppError } from '../common/app-error';
import { MessageResultDto } from '../common/api-envelope';
import { containsPattern, toPage } from '../common/paging';
import { AutoAssignResultDto, ContactPageDto, FailedItemDto, UserAssignmentsDto, UserPageDto } from './dto/assignment.response.dto';
import { OrganizationRepository } from '../organizations/organization.repository';
import { toCampaignAssignmentDto, toContactAssignmentDto, toContactDto, toUserWithCountsDto } from './assignment.mappers';
import { AssignmentListRepository } from './assignment-list.repository';
import { AssignmentRepository, TargetUser } from './assignment.repository';
import { AssignCampaignsDto, AssignContactsDto, AutoAssignDto, ListContactsQueryDto, ListUsersQueryDto } from './dto/assignment.dto';
import { Assignment, assignByLeadScore, assignRoundRobin, ContactToAssign, UserLoad } from './strategies';

type FailedItem = FailedItemDto;

export interface AssignResult {
  success: true;
  success_count: number;
  failed_count: number;
  failed_items: FailedItem[];
}

/** Who acts: a token's subject, possibly platform staff who are not rows of "user". */
export interface Actor {
  userId: string | null;
  role: string;
}

/** The two soft removals. */
const UNASSIGN = {
  campaign: {
    kind: 'campaign',
    notFound: 'no active assignment of this user to this campaign',
    action: 'assignment.campaign_removed',
    key: 'campaign_id',
    message: 'User removed from campaign',
  },
  contact: {
    kind: 'contact',
    notFound: 'no active assignment of this contact to this user',
    action: 'assignment.contact_removed',
    key: 'contact_id',
    message: 'Contact removed from user',
  },
} as const;

@Injectable()
export class AssignmentsService {
  constructor(
    private readonly assignments: AssignmentRepository,
    private readonly lists: AssignmentListRepository,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
  ) {}

  /** The assignment picker: contacts with their current owner. */
  async listContacts(q: ListContactsQueryDto, caller: Caller): Promise<ContactPageDto> {
    const [rows, total] = await this.lists.contactPage(
      {
        organizationId: orgScope(caller, q.organization_id),
        campaignId: q.campaign_id ?? null,
        searchPattern: q.search ? containsPattern(q.search) : null,
        assigned: q.assigned ?? null,
        minLeadScore: q.min_lead_score ?? null,
      },
      q.limit,
      q.offset,
    );
    return toPage('contacts', rows.map(toContactDto), total, q.limit, q.offset);
  }

  /** Users with their active assignment counts, computed in one grouped query. */
  async listUsers(q: ListUsersQueryDto, caller: Caller): Promise<UserPageDto> {
    const [rows, total] = await this.lists.userPage(orgScope(caller, q.organization_id), q.limit, q.offset);
    return toPage('users', rows.map(toUserWithCountsDto), total, q.limit, q.offset);
  }

  async userAssignments(userId: string): Promise<UserAssignmentsDto> {
    await this.targetUser(userId, false);
    const campaigns = (await this.lists.campaignAssignments(userId)).map(toCampaignAssignmentDto);
    const contacts = (await this.lists.contactAssignments(userId)).map(toContactAssignmentDto);
    return { campaigns, contacts, campaigns_count: campaigns.length, contacts_count: contacts.length };
  }

  /** One statement: classify every id, upsert the valid ones, report the rest with a reason. */
  async assignCampaigns(userId: string, dto: AssignCampaignsDto, caller: Caller): Promise<AssignResult> {
    const user = await this.targetUser(userId, true);
    const rows = await this.assignments.assignCampaigns(dto.campaign_ids, user, caller.userId, {
      role: dto.role ?? 'member',
      canEdit: dto.can_edit ?? false,
      canViewStats: dto.can_view_stats ?? true,
      canManageContacts: dto.can_manage_contacts ?? false,
    });
    const failed: FailedItem[] = [];
    let ok = 0;
    for (const r of rows) {
      if (r.assigned) ok++;
      else
        failed.push({
          id: r.id,
          reason: !r.org
            ? 'campaign not found'
            : r.org !== user.organization_id
              ? 'campaign belongs to another organization'
              : 'campaign is archived',
        });
    }
    await this.record('assignment.campaigns_assigned', user, caller, ok, { user_id: user.id, failed: failed.length });
    return { success: true, success_count: ok, failed_count: failed.length, failed_items: failed };
  }

  /**
   * A contact has one active owner: assigning it here transfers it from whoever had it. Serialized
   * per organization with auto-assignment so counts stay consistent.
   */
  async assignContacts(userId: string, dto: AssignContactsDto, caller: Caller): Promise<AssignResult> {
    const user = await this.targetUser(userId, true);
    await this.assignments.lockOrganization(user.organization_id);
    const rows = await this.assignments.contactOrganizations(dto.contact_ids);
    const failed: FailedItem[] = [];
    const valid: string[] = [];
    for (const r of rows) {
      if (!r.org) failed.push({ id: r.id, reason: 'contact not found' });
      else if (r.org !== user.organization_id) failed.push({ id: r.id, reason: 'contact belongs to another organization' });
      else valid.push(r.id);
    }
    if (valid.length) {
      await this.writeContactAssignments(
        user.organization_id,
        valid.map((contactId) => ({ contactId, userId: user.id })),
        dto.assignment_type ?? 'manual',
        caller.userId,
        true,
      );
    }
    await this.record('assignment.contacts_assigned', user, caller, valid.length, { user_id: user.id, failed: failed.length });
    return { success: true, success_count: valid.length, failed_count: failed.length, failed_items: failed };
  }

  unassignCampaign(userId: string, campaignId: string, caller: Caller): Promise<MessageResultDto> {
    return this.softRemove(UNASSIGN.campaign, userId, campaignId, caller);
  }

  unassignContact(userId: string, contactId: string, caller: Caller): Promise<MessageResultDto> {
    return this.softRemove(UNASSIGN.contact, userId, contactId, caller);
  }

  /** Soft delete: the assignment becomes inactive; 404 when there is no active one. */
  private async softRemove(kind: (typeof UNASSIGN)[keyof typeof UNASSIGN], userId: string, targetId: string, caller: Caller) {
    const r = await this.assignments.deactivate(kind.kind, userId, targetId);
    if (!r) throw AppError.notFound(kind.notFound);
    await this.record(kind.action, { id: userId, organization_id: r.organization_id }, caller, 1, {
      user_id: userId,
      [kind.key]: targetId,
    });
    return { success: true as const, message: kind.message };
  }

  async autoAssign(dto: AutoAssignDto, actor: Actor, orgId = dto.organization_id): Promise<AutoAssignResultDto> {
    if (!(await this.organizations.exists(orgId))) throw AppError.notFound(`organization ${orgId} not found`);
    await this.assignments.lockOrganization(orgId);
    const onlyUnassigned = dto.only_unassigned ?? true;
    const users = (await this.assignments.userLoads(orgId)).map<UserLoad>((u) => ({ userId: u.id, count: u.count, scoreSum: u.score_sum }));

    const { contacts, skipped, failed } = await this.contactsFor(dto, orgId, onlyUnassigned);
    if (!onlyUnassigned && contacts.length) {
      // Re-balancing: the contacts' current owners give them up before the strategy runs.
      const ids = contacts.map((c) => c.contactId);
      const moved = await this.assignments.currentOwners(ids);
      for (const m of moved) {
        const u = users.find((x) => x.userId === m.user_id);
        if (u) {
          u.count--;
          u.scoreSum -= m.lead_score;
        }
      }
    }

    let assignments: Assignment[] = [];
    if (users.length && contacts.length) {
      const ranks = new Map(users.map((u) => [u.userId, randomInt(1_000_000)]));
      assignments =
        dto.strategy === 'round_robin' ? assignRoundRobin(users, contacts, (id) => ranks.get(id)!) : assignByLeadScore(users, contacts);
      await this.writeContactAssignments(orgId, assignments, dto.strategy, actor.userId, !onlyUnassigned);
    }
    if (assignments.length) {
      await this.activity.record({
        action: 'assignment.auto_assigned',
        organizationId: orgId,
        actorId: actor.userId,
        actorRole: actor.role,
        targetType: 'contact',
        itemCount: assignments.length,
        details: { strategy: dto.strategy, users: users.length },
      });
    }
    return {
      organization_id: orgId,
      strategy: dto.strategy,
      assigned_count: assignments.length,
      skipped_count: skipped,
      failed_count: failed.length,
      failed_items: failed,
      eligible_users: users.length,
      assignments: assignments.map((a) => ({ contact_id: a.contactId, user_id: a.userId })),
      ...(users.length ? {} : { message: 'the organization has no active owner, admin or member to assign to' }),
    };
  }

  /** The contacts auto-assign works on: the ids given (each checked), or the organization's (unassigned ones by default). */
  private async contactsFor(
    dto: AutoAssignDto,
    orgId: string,
    onlyUnassigned: boolean,
  ): Promise<{ contacts: ContactToAssign[]; skipped: number; failed: FailedItem[] }> {
    if (!dto.contact_ids) {
      const rows = await this.assignments.organizationContacts(orgId, onlyUnassigned);
      return { contacts: rows.map((c) => ({ contactId: c.id, leadScore: c.lead_score })), skipped: 0, failed: [] };
    }
    const failed: FailedItem[] = [];
    const contacts: ContactToAssign[] = [];
    let skipped = 0;
    for (const r of await this.assignments.contactsToAutoAssign(dto.contact_ids)) {
      if (!r.org) failed.push({ id: r.id, reason: 'contact not found' });
      else if (r.org !== orgId) failed.push({ id: r.id, reason: 'contact belongs to another organization' });
      else if (onlyUnassigned && r.owned) skipped++;
      else contacts.push({ contactId: r.id, leadScore: r.lead_score });
    }
    return { contacts, skipped, failed };
  }

  /** Webhook processing: a contact first seen in an organization that auto-assigns. */
  async assignNewContact(contactId: string, organizationId: string, strategy: string): Promise<void> {
    if (strategy !== 'round_robin' && strategy !== 'lead_score') return;
    await this.autoAssign(
      { organization_id: organizationId, strategy, contact_ids: [contactId], only_unassigned: true },
      { userId: null, role: 'system' },
    );
  }

  /** Transfer (when asked) and upsert, as two set-based statements for the whole list. */
  private writeContactAssignments(
    orgId: string,
    list: Assignment[],
    type: string,
    assignedBy: string | null,
    transfer: boolean,
  ): Promise<void> {
    return this.assignments.writeContactAssignments(
      orgId,
      list.map((a) => a.contactId),
      list.map((a) => a.userId),
      type,
      assignedBy,
      transfer,
    );
  }

  /** The target user decides the organization; RLS hides other tenants' users (404). */
  private async targetUser(userId: string, mustBeActive: boolean): Promise<TargetUser> {
    const user = await this.assignments.targetUser(userId);
    if (!user) throw AppError.notFound(`user ${userId} not found`);
    if (mustBeActive && user.status !== 'active') throw AppError.conflict(`user ${userId} is inactive`);
    return user;
  }

  private async record(
    action: string,
    user: { id: string; organization_id: string },
    caller: Caller,
    count: number,
    details: Record<string, unknown>,
  ) {
    await this.activity.record({
      action,
      organizationId: user.organization_id,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'user',
      targetId: user.id,
      itemCount: count,
      details,
    });
  }
}
