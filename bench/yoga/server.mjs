// The comparison gateway of bench/run.sh: what a team would otherwise run in front of DRS, a Node
// GraphQL server with graphql-yoga and dataloader. It serves DrsGraph's own schema file
// (schema/schema.graphql) and maps the wire the way DrsGraph's JobMapper does, so both gateways
// answer the benchmark's queries with the same data and the same shape; only the implementation differs.
//
// What it does per request, and nothing more: three DataLoaders (status, progress, detail), created for
// that request, each turning every key asked for in one tick into one batch call to DRS. There is no
// cache shared between requests (the common dataloader setup): every request goes upstream.
// See bench/README.md, "versus graphql-yoga", for what the comparison covers and what it does not.
//
//   NODE_ENV=production DRS_ENDPOINT=http://127.0.0.1:5100 PORT=4000 node bench/yoga/server.mjs
//
// Environment: DRS_ENDPOINT (base URL of the DRS API, default http://127.0.0.1:5100), DRS_PROJECT_ID
// (project when a caller sends no X-Project-Id; default the emulator's demo project), PORT (4000; 0 =
// any free port, printed), HOST (127.0.0.1), DRS_TIMEOUT_MS (8000, per upstream call), LOG_LEVEL (info).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createSchema, createYoga } from 'graphql-yoga';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import DataLoader from 'dataloader';

// ---------------------------------------------------------------- configuration
function fail(message) {
  console.error(`yoga gateway: ${message}`);
  process.exit(1);
}

const config = {
  drsEndpoint: process.env.DRS_ENDPOINT || 'http://127.0.0.1:5100',
  projectId: process.env.DRS_PROJECT_ID || '054ba152d480d55b2f5dc0069e7ddef0',
  port: Number(process.env.PORT ?? 4000),
  host: process.env.HOST || '127.0.0.1',
  timeoutMs: Number(process.env.DRS_TIMEOUT_MS ?? 8000),
  logLevel: process.env.LOG_LEVEL || 'info',
};
let drsBase;
try {
  drsBase = new URL(config.drsEndpoint.endsWith('/') ? config.drsEndpoint : `${config.drsEndpoint}/`);
} catch {
  fail(`DRS_ENDPOINT is not a URL: ${config.drsEndpoint}`);
}
if (drsBase.protocol !== 'http:' && drsBase.protocol !== 'https:') fail(`DRS_ENDPOINT must be http(s): ${config.drsEndpoint}`);
if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) fail(`PORT must be 0..65535: ${process.env.PORT}`);
if (!Number.isInteger(config.timeoutMs) || config.timeoutMs < 1) fail(`DRS_TIMEOUT_MS must be a positive integer: ${process.env.DRS_TIMEOUT_MS}`);
const PROJECT_ID_PATTERN = /^[0-9a-zA-Z_-]{1,64}$/;
if (!PROJECT_ID_PATTERN.test(config.projectId)) fail(`DRS_PROJECT_ID is not a DRS project ID: ${config.projectId}`);
if (process.env.NODE_ENV !== 'production') {
  // graphql-js runs extra development checks on every request unless NODE_ENV is production.
  console.warn(`yoga gateway: NODE_ENV is '${process.env.NODE_ENV ?? ''}', not 'production': slower than deployed`);
}

// ---------------------------------------------------------------- wire -> gateway vocabulary (JobMapper.cs)
const STATUSES = new Set([
  'CREATING', 'CREATE_FAILED', 'CONFIGURATION', 'STARTJOBING', 'WAITING_FOR_START', 'START_JOB_FAILED', 'PAUSING',
  'FULL_TRANSFER_STARTED', 'FULL_TRANSFER_FAILED', 'FULL_TRANSFER_COMPLETE', 'INCRE_TRANSFER_STARTED',
  'INCRE_TRANSFER_FAILED', 'RELEASE_RESOURCE_STARTED', 'RELEASE_RESOURCE_FAILED', 'RELEASE_RESOURCE_COMPLETE',
  'REBUILD_NODE_STARTED', 'REBUILD_NODE_FAILED', 'CHANGE_JOB_STARTED', 'CHANGE_JOB_FAILED', 'DELETED',
  'CHILD_TRANSFER_STARTING', 'CHILD_TRANSFER_STARTED', 'CHILD_TRANSFER_COMPLETE', 'CHILD_TRANSFER_FAILED',
  'RELEASE_CHILD_TRANSFER_STARTED', 'RELEASE_CHILD_TRANSFER_COMPLETE', 'NODE_UPGRADE_START', 'NODE_UPGRADE_COMPLETE',
  'NODE_UPGRADE_FAILED',
]);
const TERMINAL = new Set(['CREATE_FAILED', 'RELEASE_RESOURCE_COMPLETE', 'RELEASE_CHILD_TRANSFER_COMPLETE', 'DELETED']);
const FAILED = new Set([
  'CREATE_FAILED', 'START_JOB_FAILED', 'FULL_TRANSFER_FAILED', 'INCRE_TRANSFER_FAILED', 'RELEASE_RESOURCE_FAILED',
  'REBUILD_NODE_FAILED', 'CHANGE_JOB_FAILED', 'CHILD_TRANSFER_FAILED', 'NODE_UPGRADE_FAILED',
]);
const PHASES = {
  CREATING: 'CREATING', CONFIGURATION: 'CONFIGURING',
  STARTJOBING: 'STARTING', WAITING_FOR_START: 'STARTING', CHILD_TRANSFER_STARTING: 'STARTING',
  FULL_TRANSFER_STARTED: 'FULL_TRANSFER', CHILD_TRANSFER_STARTED: 'FULL_TRANSFER',
  INCRE_TRANSFER_STARTED: 'INCREMENTAL',
  FULL_TRANSFER_COMPLETE: 'COMPLETED', CHILD_TRANSFER_COMPLETE: 'COMPLETED',
  PAUSING: 'PAUSED',
  CHANGE_JOB_STARTED: 'CHANGING', REBUILD_NODE_STARTED: 'CHANGING', NODE_UPGRADE_START: 'CHANGING', NODE_UPGRADE_COMPLETE: 'CHANGING',
  RELEASE_RESOURCE_STARTED: 'STOPPING', RELEASE_CHILD_TRANSFER_STARTED: 'STOPPING',
  RELEASE_RESOURCE_COMPLETE: 'STOPPED', RELEASE_CHILD_TRANSFER_COMPLETE: 'STOPPED',
  DELETED: 'DELETED',
};
// DrsGraph's DatabaseType enum matched by name, case-insensitively (Enum.TryParse), to its GraphQL name.
const DATABASE_TYPES = {
  mysql: 'MYSQL', mongodb: 'MONGODB', gaussdbv5: 'GAUSSDBV5', gaussdbv5ha: 'GAUSSDBV5HA', postgresql: 'POSTGRESQL',
  kafka: 'KAFKA', taurus: 'TAURUS', oracle: 'ORACLE', redis: 'REDIS', sqlserver: 'SQLSERVER',
};
const TASK_MODES = { FULL_TRANS: 'FULL_TRANS', INCR_TRANS: 'INCR_TRANS', FULL_INCR_TRANS: 'FULL_INCR_TRANS' };
const USE_TYPES = { MIGRATION: 'MIGRATION', SYNC: 'SYNC', CLOUDDATAGUARD: 'CLOUD_DATA_GUARD' };
const NET_TYPES = { VPN: 'VPN', VPC: 'VPC', EIP: 'EIP' };

function parseStatus(raw) {
  if (typeof raw !== 'string') return 'UNKNOWN';
  const s = raw.trim().toUpperCase();
  if (s === 'PAUSEING') return 'PAUSING'; // the published pages misspell it in one place
  return STATUSES.has(s) ? s : 'UNKNOWN';
}
const phaseOf = (status) => PHASES[status] ?? (FAILED.has(status) ? 'FAILED' : 'UNKNOWN');
const lookup = (table, raw) => (typeof raw === 'string' && table[raw.trim().toUpperCase()]) || 'UNKNOWN';
function parseDatabaseType(raw) {
  return (typeof raw === 'string' && DATABASE_TYPES[raw.trim().toLowerCase()]) || 'UNKNOWN';
}
const phaseKindOf = (name) => {
  const n = name.toUpperCase();
  return n === 'STRUCT' || n === 'STRUCTURE' ? 'STRUCTURE' : n === 'DATA' ? 'DATA' : n === 'INDEX' ? 'INDEX' : 'OTHER';
};
const nullIfEmpty = (v) => (v === undefined || v === null || v === '' ? null : v);
const orNull = (v) => (v === undefined ? null : v);

// .NET's invariant parsers, strictly: Number() would also take '', '0x1f' or 'Infinity'.
const FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const INTEGER = /^\s*[+-]?\d+\s*$/;
function parseDouble(raw) {
  if (typeof raw !== 'string' || !FLOAT.test(raw)) return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}
const parsePercent = (raw) => (typeof raw === 'string' ? parseDouble(raw.trim().replace(/%+$/, '')) : null);
function parseInt32(raw) {
  if (typeof raw !== 'string' || !INTEGER.test(raw)) return null;
  const v = Number(raw);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}
function parseInt64(raw) {
  if (typeof raw !== 'string' || !INTEGER.test(raw)) return null;
  const v = BigInt(raw.trim());
  return v >= -(2n ** 63n) && v < 2n ** 63n ? Number(v) : null;
}
const nonNegative = (v) => (v !== null && v >= 0 ? v : null);
// DRS sends some ints as strings in older SDKs; DrsGraph reads both (JsonNumberHandling.AllowReadingFromString).
const intOf = (v) => (typeof v === 'number' ? v : typeof v === 'string' ? parseInt32(v) : null);
/** Epoch-millisecond string to a Date; "0", empty and garbage mean "not applicable". */
function parseEpochMillis(raw) {
  const ms = parseInt64(raw);
  return ms !== null && ms > 0 && ms <= 253402300799999 ? new Date(ms) : null;
}

function toStatus(w) {
  const status = parseStatus(w.status);
  return {
    status, rawStatus: orNull(w.status), phase: phaseOf(status), isTerminal: TERMINAL.has(status),
    isFailed: FAILED.has(status) || (status === 'UNKNOWN' && typeof w.status === 'string' && w.status.trim().toUpperCase().endsWith('_FAILED')),
    errorCode: orNull(w.error_code), errorMessage: orNull(w.error_message),
  };
}

function toProgress(w) {
  const delayMillis = parseInt64(w.incre_trans_delay_millis);
  const map = w.progress_map && typeof w.progress_map === 'object' ? w.progress_map : null;
  return {
    percent: parsePercent(w.progress),
    transferStatus: parseStatus(w.transfer_status),
    rawTransferStatus: orNull(w.transfer_status),
    taskMode: lookup(TASK_MODES, w.task_mode),
    rawTaskMode: orNull(w.task_mode),
    // "-1" means "no incremental phase (yet)": not a delay of minus one second.
    incrementalDelaySeconds: nonNegative(parseInt32(w.incre_trans_delay)),
    incrementalDelayMilliseconds: nonNegative(delayMillis),
    processedAt: parseEpochMillis(w.process_time),
    remainingSeconds: nonNegative(parseInt32(w.remaining_time)),
    phases: map === null ? [] : Object.entries(map).map(([name, p]) => ({
      name, kind: phaseKindOf(name), percent: parsePercent(p?.completed), remainingSeconds: nonNegative(parseInt32(p?.remaining_time)),
    })),
    errorCode: orNull(w.error_code),
    errorMessage: orNull(w.error_msg),
    freshness: null, // set by DrsGraph's cache only; there is none here
  };
}

function toEndpoint(w) {
  if (!w) return null;
  const port = intOf(w.db_port);
  return {
    dbType: parseDatabaseType(w.db_type), rawDbType: orNull(w.db_type), host: nullIfEmpty(w.ip), port: port > 0 ? port : null,
    sslEnabled: orNull(w.ssl_link), region: nullIfEmpty(w.region), projectId: nullIfEmpty(w.project_id),
    instanceId: nullIfEmpty(w.inst_id), instanceName: nullIfEmpty(w.inst_name), user: nullIfEmpty(w.db_user),
    vpcId: nullIfEmpty(w.vpc_id), subnetId: nullIfEmpty(w.subnet_id), securityGroupId: nullIfEmpty(w.security_group_id),
    availabilityZone: nullIfEmpty(w.az_code),
  };
}

// alarm_notify is an object; any other shape is left out, as DrsGraph's LenientObjectConverter does.
function toAlarm(a) {
  if (!a || typeof a !== 'object' || Array.isArray(a)) return { alarmNotification: null, alarmNotify: null };
  const alarm = {
    topicName: nullIfEmpty(a.topic_name), delayTime: intOf(a.delay_time), rtoDelay: intOf(a.rto_delay), rpoDelay: intOf(a.rpo_delay),
    alarmToUser: orNull(a.alarm_to_user),
    subscriptions: Array.isArray(a.subscriptions)
      ? a.subscriptions.filter((s) => s).map((s) => ({ protocol: nullIfEmpty(s.protocol), endpoints: Array.isArray(s.endpoints) ? s.endpoints.filter((e) => e) : [] }))
      : [],
  };
  return { alarmNotification: alarm, alarmNotify: alarm.topicName };
}

function toDetail(id, w) {
  const inst = w.inst_info;
  return {
    id: w.id ?? id, parentId: nullIfEmpty(w.parent_id), name: orNull(w.name), description: nullIfEmpty(w.description),
    status: parseStatus(w.status), rawStatus: orNull(w.status),
    taskType: lookup(TASK_MODES, w.task_type), rawTaskType: orNull(w.task_type),
    createdAt: parseEpochMillis(w.create_time), startedAt: parseEpochMillis(w.actual_start_time),
    fullTransferCompletedAt: parseEpochMillis(w.full_transfer_complete_time), updatedAt: parseEpochMillis(w.update_time),
    direction: nullIfEmpty(w.job_direction),
    useType: lookup(USE_TYPES, w.db_use_type), rawUseType: nullIfEmpty(w.db_use_type),
    netType: lookup(NET_TYPES, w.net_type), rawNetType: nullIfEmpty(w.net_type),
    source: toEndpoint(w.source_endpoint), target: toEndpoint(w.target_endpoint),
    replicationInstance: inst ? {
      ip: nullIfEmpty(inst.ip), publicIp: nullIfEmpty(inst.public_ip), instanceType: nullIfEmpty(inst.inst_type),
      engineType: nullIfEmpty(inst.engine_type), volumeSizeGb: intOf(inst.volume_size), startedAt: parseEpochMillis(inst.start_time),
      status: nullIfEmpty(inst.status)?.toUpperCase() ?? null,
    } : null,
    speedLimits: Array.isArray(w.speed_limit)
      ? w.speed_limit.map((s) => ({ megabytesPerSecond: parseDouble(s.speed), begin: orNull(s.begin), end: orNull(s.end), isUtc: orNull(s.is_utc) }))
      : [],
    tags: Array.isArray(w.tags) ? w.tags.filter((t) => t.key).map((t) => ({ key: t.key, value: orNull(t.value) })) : [],
    nodeCount: intOf(w.node_num), needsRestart: orNull(w.need_restart), isTargetReadOnly: orNull(w.is_target_readonly),
    objectSwitch: orNull(w.object_switch), replaceDefiner: orNull(w.replace_definer), migrateUser: orNull(w.migrate_user),
    multiWrite: orNull(w.multi_write), supportsIpV6: orNull(w.support_ip_v6),
    conflictPolicy: nullIfEmpty(w.conflict_policy), filterDdlPolicy: nullIfEmpty(w.filter_ddl_policy), schemaType: nullIfEmpty(w.schema_type),
    availabilityZone: nullIfEmpty(w.az_code), vpcId: nullIfEmpty(w.vpc_id), subnetId: nullIfEmpty(w.subnet_id),
    securityGroupId: nullIfEmpty(w.security_group_id), masterJobId: nullIfEmpty(w.master_job_id),
    ...toAlarm(w.alarm_notify),
    incrementalStartPosition: nullIfEmpty(w.incre_start_position), failedReason: nullIfEmpty(w.failed_reason),
    errorCode: nullIfEmpty(w.error_code), errorMessage: nullIfEmpty(w.error_message),
    freshness: null,
  };
}

// ---------------------------------------------------------------- DRS batch calls (DrsClient.cs, DrsResponseReader.cs)
// The three endpoints differ only in path, paging, the ID property of an item and what counts as data.
const ENDPOINTS = {
  status: {
    path: 'batch-status', paged: true, idOf: (i) => i.id, messageOf: (i) => i.error_message,
    hasData: (i) => !!i.status, map: (_id, w) => toStatus(w),
  },
  progress: {
    path: 'batch-progress', paged: false, idOf: (i) => i.job_id, messageOf: (i) => i.error_msg,
    hasData: (i) => !!i.progress && !!i.transfer_status, map: (_id, w) => toProgress(w),
  },
  detail: {
    path: 'batch-detail', paged: true, idOf: (i) => i.id, messageOf: (i) => i.error_message,
    hasData: (i) => !!i.name && !!i.status, map: toDetail,
  },
};

/** A DRS error for one job; DataLoader hands it to every field that asked for that job. */
class DrsFailure extends Error {
  constructor(code, message, kind, httpStatus = null, requestId = null) {
    super(message);
    Object.assign(this, { code, kind, httpStatus, requestId });
  }

  /** Asking again later may succeed: such failures are not remembered for the rest of the request. */
  get transient() {
    return this.kind === 'UNAVAILABLE' || this.kind === 'TIMEOUT' || this.kind === 'THROTTLED' || this.kind === 'PROTOCOL';
  }
}

function itemErrorKind(code) {
  const c = code.toUpperCase();
  return c === 'DRS.M00289' || c === 'DRS.M05003' ? 'NOT_FOUND' : c === 'DRS.M05004' ? 'DELETED' : 'ITEM_ERROR';
}

function plainErrorKind(status, code) {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 408) return 'TIMEOUT'; // a timeout, not a bad request: it stays transient
  if (status === 429 || code.toUpperCase() === 'DRS.M01503') return 'THROTTLED';
  if (status >= 500) return 'UNAVAILABLE';
  if (status >= 400) return 'BAD_REQUEST';
  return 'PROTOCOL';
}

function unreadable(status, requestId) {
  const f = (code, message, kind) => new DrsFailure(code, message, kind, status, requestId);
  if (status === 401) return f('DRSGRAPH.UNREADABLE_RESPONSE', 'DRS refused the token (HTTP 401) with an unreadable body.', 'UNAUTHORIZED');
  if (status === 403) return f('DRSGRAPH.UNREADABLE_RESPONSE', 'DRS refused access (HTTP 403) with an unreadable body.', 'FORBIDDEN');
  if (status === 408) return f('DRSGRAPH.UPSTREAM_TIMEOUT', 'DRS timed out the call (HTTP 408).', 'TIMEOUT');
  if (status === 429) return f('DRSGRAPH.UPSTREAM_THROTTLED', 'DRS throttled the call (HTTP 429).', 'THROTTLED');
  if (status >= 500) return f('DRSGRAPH.UPSTREAM_UNAVAILABLE', `DRS failed with HTTP ${status}.`, 'UNAVAILABLE');
  return f('DRSGRAPH.UNREADABLE_RESPONSE', `DRS answered HTTP ${status} with a body this client cannot read.`, 'PROTOCOL');
}

/**
 * One batch call for at most 100 IDs (DataLoader's maxBatchSize, DRS's largest page): the mapped value or
 * a DrsFailure per ID, in the order of `ids`, as DataLoader requires. Never throws: a failed call fails
 * each of its jobs, and is logged.
 */
async function fetchBatch(endpointName, caller, ids) {
  const endpoint = ENDPOINTS[endpointName];
  // Explicit per_page, as DrsGraph sends it: DRS's default page is 5 jobs.
  const body = endpoint.paged ? { jobs: ids, page_req: { cur_page: 1, per_page: ids.length } } : { jobs: ids };
  const headers = { 'Content-Type': 'application/json', 'X-Auth-Token': caller.token };
  if (caller.language) headers['X-Language'] = caller.language;
  const url = new URL(`v3/${encodeURIComponent(caller.projectId)}/jobs/${endpoint.path}`, drsBase);
  const started = performance.now();
  let status;
  let requestId = null;
  let text;
  try {
    // Node's fetch (undici) keeps connections alive and pools them per origin by default.
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(config.timeoutMs) });
    status = response.status;
    requestId = response.headers.get('x-request-id');
    text = await response.text();
  } catch (error) {
    const timeout = error?.name === 'TimeoutError';
    const failure = timeout
      ? new DrsFailure('DRSGRAPH.UPSTREAM_TIMEOUT', 'DRS did not answer within the configured timeout.', 'TIMEOUT')
      : new DrsFailure('DRSGRAPH.UPSTREAM_UNAVAILABLE', 'DRS could not be reached.', 'UNAVAILABLE');
    // The cause (with addresses callers need not see) goes to the log, not into the error.
    console.warn(`yoga gateway: DRS ${endpoint.path} for ${ids.length} jobs failed after ${(performance.now() - started).toFixed(0)} ms: ${failure.code}: ${error?.cause?.message ?? error?.message ?? error}`);
    return ids.map(() => failure);
  }

  let root = null;
  try {
    root = JSON.parse(text);
  } catch {
    // Unreadable: handled below with root === null.
  }

  const success = status >= 200 && status < 300;
  let callFailure = null;
  const answers = new Map();
  if (root && typeof root === 'object' && Array.isArray(root.results)) {
    // A success, or the batch-shaped 400 DRS sends when no ID exists: either way the items speak for each ID.
    for (const item of root.results) {
      if (!item || typeof item !== 'object') continue;
      const id = endpoint.idOf(item);
      if (typeof id !== 'string') continue;
      const code = item.error_code;
      // An error code with no data is a failed lookup; with data, it is a job explaining why it failed.
      if (!code || endpoint.hasData(item)) {
        answers.set(id, endpoint.map(id, item));
      } else if (!answers.has(id)) {
        answers.set(id, new DrsFailure(code, endpoint.messageOf(item) || `DRS answered ${code} for this job.`, itemErrorKind(code), status, requestId));
      }
    }
  } else if (!success && root && typeof root === 'object' && typeof root.error_code === 'string' && root.error_code.length > 0) {
    const message = root.error_msg ?? root.error_message ?? `DRS answered HTTP ${status} ${root.error_code}.`;
    callFailure = new DrsFailure(root.error_code, message, plainErrorKind(status, root.error_code), status, root.request_id ?? requestId);
  } else {
    callFailure = unreadable(status, requestId);
  }

  if (callFailure) {
    console.warn(`yoga gateway: DRS ${endpoint.path} for ${ids.length} jobs failed: HTTP ${status} ${callFailure.code} (request ${callFailure.requestId ?? '-'})`);
    return ids.map(() => callFailure);
  }
  return ids.map((id) => answers.get(id)
    ?? new DrsFailure('DRSGRAPH.MISSING_FROM_RESPONSE', 'DRS answered the call but left this job out of its answer.', 'PROTOCOL', status, requestId));
}

// ---------------------------------------------------------------- GraphQL errors (GatewayErrors.cs)
const OWN_CODES = { INVALID_JOB_ID: 'INVALID_JOB_ID', TIMEOUT: 'UPSTREAM_TIMEOUT', THROTTLED: 'UPSTREAM_THROTTLED', PROTOCOL: 'UPSTREAM_PROTOCOL_ERROR' };

/** The error placed on the field that needed the job: what a job's own answer says keeps DRS's code. */
function fieldError(jobId, failure) {
  const own = ['THROTTLED', 'UNAVAILABLE', 'TIMEOUT', 'PROTOCOL', 'INVALID_JOB_ID'].includes(failure.kind) || failure.code.startsWith('DRSGRAPH.');
  const extensions = { code: own ? (OWN_CODES[failure.kind] ?? 'UPSTREAM_UNAVAILABLE') : failure.code, kind: failure.kind };
  if (own && !failure.code.startsWith('DRSGRAPH.')) extensions.upstreamCode = failure.code;
  extensions.jobId = jobId;
  if (failure.httpStatus !== null) extensions.upstreamStatus = failure.httpStatus;
  if (failure.requestId !== null) extensions.upstreamRequestId = failure.requestId;
  return new GraphQLError(`Job '${jobId}': ${failure.message}`, { extensions });
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-z]{12}$/;
const MAX_IDS = 500;
const truncate = (v) => (v.length <= 64 ? v : `${v.slice(0, 64)}…`);
const invalidId = (id) => new GraphQLError(
  `'${truncate(id)}' is not a DRS job ID (expected 8-4-4-4-12 characters, e.g. 9a470239-2308-4bb5-a6bc-1040402fjb21).`,
  { extensions: { code: 'INVALID_JOB_ID' } });

// ---------------------------------------------------------------- per-request context (CallerContext.cs)
const VISIBLE_ASCII = /^[!-~]+$/;

/** Who is calling, from the headers; a problem is reported on every field that needs DRS. */
function identify(headers) {
  const token = (headers.get('x-auth-token') ?? '').trim();
  if (token.length === 0) return { problem: { code: 'UNAUTHENTICATED', message: 'The X-Auth-Token header is required: send the caller\'s IAM token.' } };
  if (token.length > 16384 || !VISIBLE_ASCII.test(token)) return { problem: { code: 'UNAUTHENTICATED', message: 'The X-Auth-Token header is not a valid IAM token.' } };
  let projectId = (headers.get('x-project-id') ?? '').trim();
  if (projectId.length === 0) projectId = config.projectId;
  else if (!PROJECT_ID_PATTERN.test(projectId)) {
    return { problem: { code: 'INVALID_PROJECT_ID', message: 'The X-Project-Id header must be a DRS project ID (letters, digits, \'-\' or \'_\', at most 64).' } };
  }
  const language = (headers.get('x-language') ?? '').trim().toLowerCase();
  if (language.length > 0 && language !== 'en-us' && language !== 'zh-cn') {
    return { problem: { code: 'INVALID_LANGUAGE', message: 'The X-Language header must be \'en-us\' or \'zh-cn\'.' } };
  }
  return { caller: { token, projectId, language: language || null } };
}

function createContext({ request }) {
  const { caller, problem } = identify(request.headers);
  let loaders = null;
  return {
    problem,
    // Created on first use, for this request only: batching never mixes two requests or two callers, and
    // nothing outlives the request (DataLoader's own cache is per instance, so per request here).
    loaders() {
      loaders ??= {
        status: new DataLoader((ids) => fetchBatch('status', caller, ids), { maxBatchSize: 100 }),
        progress: new DataLoader((ids) => fetchBatch('progress', caller, ids), { maxBatchSize: 100 }),
        detail: new DataLoader((ids) => fetchBatch('detail', caller, ids), { maxBatchSize: 100 }),
      };
      return loaders;
    },
  };
}

function load(context, name, id) {
  if (context.problem) throw new GraphQLError(context.problem.message, { extensions: { code: context.problem.code } });
  const loader = context.loaders()[name];
  return loader.load(id).catch((error) => {
    if (!(error instanceof DrsFailure)) throw error; // a bug: yoga masks it and logs it
    // A transient failure is forgotten so a later phase of the same operation asks again (BatchDataLoader.cs).
    if (error.transient) loader.clear(id);
    throw fieldError(id, error);
  });
}

// ---------------------------------------------------------------- schema: DrsGraph's own SDL file
const typeDefs = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
const fromStatus = (pick) => (job, _args, context) => load(context, 'status', job.id).then(pick);

const resolvers = {
  // GraphQL.NET's DateTimeGraphType writes UTC with only the significant fraction digits ("...:55.18Z").
  DateTime: new GraphQLScalarType({
    name: 'DateTime',
    serialize: (value) => {
      if (!(value instanceof Date)) throw new TypeError(`DateTime cannot represent ${value}`);
      return value.toISOString().replace(/\.?0+Z$/, 'Z');
    },
  }),
  Long: new GraphQLScalarType({
    name: 'Long',
    serialize: (value) => {
      if (!Number.isSafeInteger(value)) throw new TypeError(`Long cannot represent ${value}`);
      return value;
    },
  }),
  Query: {
    job: (_root, { id }) => {
      if (!JOB_ID.test(id)) throw invalidId(id);
      return { id };
    },
    jobs: (_root, { ids }) => {
      if (ids.length > MAX_IDS) {
        throw new GraphQLError(`At most ${MAX_IDS} job IDs per jobs field; ${ids.length} were given.`, { extensions: { code: 'TOO_MANY_JOB_IDS' } });
      }
      // One bad ID must not fail the list: an Error item becomes null at its position, with the error on its path.
      return ids.map((id) => (JOB_ID.test(id) ? { id } : invalidId(id)));
    },
  },
  Job: {
    id: (job) => job.id,
    status: fromStatus((s) => s.status),
    rawStatus: fromStatus((s) => s.rawStatus),
    phase: fromStatus((s) => s.phase),
    isTerminal: fromStatus((s) => s.isTerminal),
    isFailed: fromStatus((s) => s.isFailed),
    errorCode: fromStatus((s) => s.errorCode),
    errorMessage: fromStatus((s) => s.errorMessage),
    statusFreshness: fromStatus(() => null), // DrsGraph sets it from its cache; there is none here
    progress: (job, _args, context) => load(context, 'progress', job.id),
    detail: (job, _args, context) => load(context, 'detail', job.id),
  },
};

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  graphqlEndpoint: '/graphql',
  graphiql: false,
  landingPage: false,
  // Defaults kept on purpose (they are what a yoga deployment runs): masked unexpected errors (logged),
  // the parse/validation cache of documents, CORS.
  logging: config.logLevel,
  context: createContext,
});

const server = createServer(yoga);
server.on('error', (error) => fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`));
server.listen(config.port, config.host, () => {
  const { port } = server.address();
  console.log(`yoga gateway listening on http://${config.host}:${port}/graphql (DRS ${drsBase.href}, project ${config.projectId}, node ${process.version}, NODE_ENV=${process.env.NODE_ENV ?? ''})`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive connections would hold close() open
  });
}
