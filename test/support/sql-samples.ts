import type { LogFilterValues } from '../../src/webhook-logs/log-filter';

/**
 * Sample calls of every repository method, as immich's @GenerateSql gives them: test/sql-files
 * runs each (in a transaction it rolls back) and writes the statements it sends into the
 * repository's checked-in `.sql` file. The values only choose a method's branches; the files show
 * the statements' text, their parameters as $n. Each entry is one call's arguments; a method with
 * branches has one per branch.
 */
const ID = '00000000-0000-4000-8000-000000000000';
const DAY = new Date('2026-01-01T00:00:00Z');
const EMPTY_FILTER: LogFilterValues = {
  eventType: null,
  source: null,
  status: null,
  campaignId: null,
  organizationId: null,
  from: null,
  to: null,
  search: null,
  contactEmail: null,
  searchIds: null,
};
const FULL_FILTER: LogFilterValues = {
  eventType: 'email.opened',
  source: 'instantly',
  status: 'failed',
  campaignId: ID,
  organizationId: ID,
  from: DAY,
  to: DAY,
  search: '%lead%',
  contactEmail: 'lead@example.com',
  searchIds: [ID],
};
const CURSOR = { createdAt: '2026-01-01T00:00:00.000000Z', id: ID };
const CONTACT_EVENT = {
  organizationId: ID,
  email: 'lead@example.com',
  firstName: 'Lead',
  lastName: null,
  company: null,
  campaignId: null,
  scoreDelta: 1,
  leadStatus: null,
  emailsSent: 1,
  opens: 0,
  clicks: 0,
  replies: 0,
  bounced: false,
  unsubscribed: false,
  at: DAY,
};
const SUBJECT = { organizationId: ID, emailHash: 'hash', receivedAt: DAY };

export const SQL_SAMPLES: Record<string, Record<string, unknown[][]>> = {
  ActivityRepository: {
    insert: [
      [
        {
          organization_id: ID,
          actor_id: null,
          actor_role: 'system',
          action: 'sample',
          target_type: null,
          target_id: null,
          item_count: 1,
          details: {},
        },
      ],
    ],
  },
  AssignmentListRepository: {
    contactPage: [[{ organizationId: ID, campaignId: null, searchPattern: null, assigned: null, minLeadScore: null }, 50, 50]],
    userPage: [[ID, 50, 50]],
    campaignAssignments: [[ID]],
    contactAssignments: [[ID]],
  },
  AssignmentRepository: {
    assignCampaigns: [
      [
        [ID],
        { id: ID, organization_id: ID, status: 'active' },
        ID,
        { role: 'member', canEdit: false, canViewStats: true, canManageContacts: false },
      ],
    ],
    contactOrganizations: [[[ID]]],
    contactsToAutoAssign: [[[ID]]],
    organizationContacts: [[ID, true]],
    userLoads: [[ID]],
    currentOwners: [[[ID]]],
    writeContactAssignments: [[ID, [ID], [ID], 'manual', ID, true]],
    deactivate: [
      ['campaign', ID, ID],
      ['contact', ID, ID],
    ],
    targetUser: [[ID]],
    lockOrganization: [[ID]],
  },
  CampaignRepository: {
    options: [[{ organizationId: ID, namePattern: '%q%', status: 'active' }]],
    page: [[{ organizationId: null, namePattern: null, status: null }, 50, 0]],
    update: [[ID, { name: 'Renamed' }]],
    create: [[{ organization_id: ID, name: 'Sample', status: 'draft', instantly_campaign_id: null, routes_events: false }]],
  },
  DashboardRepository: {
    counts: [[ID]],
    linksByStatus: [[ID]],
    recentActivity: [[ID, 20, null]],
  },
  HealthRepository: { ping: [[]] },
  OnboardingLinkRepository: {
    create: [
      [
        {
          organizationId: ID,
          createdBy: ID,
          token: 'sample-token-0000000000',
          url: 'https://x',
          templateName: 't',
          welcomeMessage: 'w',
          expirationDays: 7,
          totalSteps: 5,
        },
      ],
    ],
    page: [[{ organizationId: ID, status: null, createdBy: null }, 50, 50]],
    detail: [[ID]],
    revoke: [[ID, ID, 'reason']],
    extend: [[ID, 7]],
    statusOf: [[ID]],
    expireOverdue: [[]],
    access: [['sample-token-0000000000', '127.0.0.1', 'agent', 50]],
    progress: [['sample-token-0000000000', 2, 40]],
    complete: [['sample-token-0000000000']],
    stateByToken: [['sample-token-0000000000']],
  },
  OrganizationRepository: {
    exists: [[ID]],
    create: [[{ name: 'Sample organization', instantly_workspace_id: null, auto_assign_strategy: 'manual' }]],
    page: [['%sample%', 50, 0]],
    update: [[ID, { name: 'Renamed' }]],
  },
  PrivacyRepository: {
    lockSubject: [['hash']],
    contacts: [[ID, 'lead@example.com']],
    assignments: [[ID, [ID]]],
    activity: [[ID, [ID], 'hash']],
    subjectState: [[ID, 'hash']],
    logsCursor: [[ID, 'lead@example.com']],
    deleteContacts: [[ID, 'lead@example.com']],
    redactLogs: [[ID, 'lead@example.com', 'lead@example\\.com']],
    redactPreparedLogs: [[ID, 'lead@example.com', 'lead@example\\.com']],
    recordErasure: [[ID, 'hash', null]],
  },
  JobRunRepository: {
    claim: [['sample-job', DAY, 'instance']],
    finish: [['sample-job', DAY, { ok: true }]],
  },
  UserRepository: {
    emailTaken: [[ID, 'user@example.com']],
    create: [[{ organization_id: ID, email: 'user@example.com', first_name: null, last_name: null, role: 'member' }]],
    byId: [[ID]],
    update: [[ID, { first_name: 'Renamed' }]],
    lockOwners: [[ID]],
    otherActiveOwners: [[ID, ID]],
    remove: [[ID]],
    standing: [[ID, ID]],
  },
  WebhookLogRetentionRepository: {
    deleteOlderThan: [[90, ['processed'], 1000, CURSOR, { from: null, to: null }]],
    retentionCutoff: [[90]],
    dropMonths: [['2000-01-01T00:00:00.000000Z', ['processed']]],
    prepareKept: [['2000-01-01T00:00:00.000000Z', ['processed']]],
    ensurePartitions: [[0]],
    refreshSearchTrigrams: [[100]],
    partitionHealth: [[]],
    deleteExpiredDedupKeys: [[90, 1000]],
  },
  WebhookLogRetryRepository: {
    retry: [[ID, false]],
    bulkRetryByIds: [
      [[ID], false, false],
      [[ID], true, true],
    ],
    queueRetryByFilter: [
      [FULL_FILTER, false, ID, false],
      [EMPTY_FILTER, true, null, true],
    ],
    retryQueueDepth: [[1000]],
  },
  WebhookLogStatsRepository: {
    statsScan: [[FULL_FILTER, 'hour', DAY]],
    compactStats: [[]],
    statusTotals: [[]],
    rollupTotals: [[ID]],
    rollupBuckets: [
      [ID, 'hour', DAY],
      [ID, 'day', DAY],
    ],
    oldestDuePendingSeconds: [[]],
  },
  WebhookLogExportRepository: {
    exportCursor: [
      [EMPTY_FILTER, 'csv'],
      [FULL_FILTER, 'json'],
    ],
  },
  WebhookLogRepository: {
    searchMatchIds: [['%lead%', 5000]],
    searchPage: [['%lead%', 5000, 10000, CURSOR, 0, 51]],
    searchNewest: [['%lead%', 51, CURSOR]],
    page: [
      [FULL_FILTER, CURSOR, 51, 0, { bySearchOrder: false, walkIndex: false }],
      [EMPTY_FILTER, null, 51, 0, { bySearchOrder: true, walkIndex: true }],
    ],
    searchAmong: [[FULL_FILTER, '%lead%', 5000, CURSOR, 51, 0]],
    pageInWindow: [[FULL_FILTER, CURSOR, 51, 0, 20000]],
    countUpTo: [
      [FULL_FILTER, 10000],
      [EMPTY_FILTER, 10000],
    ],
    detail: [[ID]],
    statusOf: [[ID]],
    limitStatementTime: [[5000]],
  },
  ProcessingRepository: {
    isErasedSubject: [[SUBJECT]],
    redactLog: [[ID]],
    organizationById: [[ID]],
    organizationByWorkspace: [['workspace']],
    organizationsByInstantlyCampaign: [['instantly-campaign']],
    upsertInstantlyCampaign: [[ID, 'Sample', 'instantly-campaign', null, true]],
    upsertContact: [[CONTACT_EVENT, SUBJECT]],
  },
  WebhookCredentialRepository: {
    credential: [[ID]],
    rotateCredential: [[ID, 'hash', 'sbwh_abc', ID, 24]],
    credentialHashes: [[]],
  },
  WebhookEventRepository: {
    insertLogs: [
      [
        {
          source: ['instantly'],
          dedup: ['k'],
          type: ['email.sent'],
          raw: [null],
          payload: ['{}'],
          workspace: [null],
          icampaign: [null],
          cname: [null],
          email: [null],
          org: [null],
          turn: [0],
        },
      ],
    ],
    findLogs: [[['instantly'], ['k']]],
    claim: [[50, 60]],
    claimBefore: [[DAY, 50, 60]],
    hasQueuedRetries: [[]],
    holdLease: [[ID, 1, 'subject-lock']],
    finishLog: [[ID, { status: 'processed', message: null, organizationId: ID, campaignId: null, campaignName: null }]],
    recordFailure: [[ID, 1, false, 'message', 1000]],
  },
};
