// Live updates, measured (issue 14): bench/run.sh starts a gateway and an emulator, then runs this driver.
//   1. memory: the gateway's RSS idle, with CONNECTIONS WebSockets open, then with CONNECTIONS x SUBS
//      jobUpdates subscriptions on the same JOBS jobs (their first events received, then idle);
//   2. change-to-client latency: CHANGES status changes made through the emulator's transition call, each
//      timed from just before the call to each subscription's event;
//   3. upstream calls per minute: the emulator's request log while nothing changes and during step 2 (the subscribers), then for
//      POLLERS clients each polling jobs(ids) every POLL_INTERVAL_S seconds for WINDOW_S seconds.
// Writes one JSON object to stdout; progress to stderr.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const env = (name, fallback) => process.env[name] ?? fallback;
const GATEWAY = env('GATEWAY', 'http://127.0.0.1:5000/graphql');
const EMULATOR = env('EMULATOR');
const PID = env('GATEWAY_PID');
const PROJECT = env('PROJECT_ID', '054ba152d480d55b2f5dc0069e7ddef0');
const CONNECTIONS = Number(env('CONNECTIONS', 50));
const SUBS = Number(env('SUBS', 20));
const JOBS = Number(env('JOBS', 20));
const CHANGES = Number(env('CHANGES', 10));
const POLLERS = Number(env('POLLERS', 1000));
const POLL_INTERVAL_S = Number(env('POLL_INTERVAL_S', 5));
const WINDOW_S = Number(env('WINDOW_S', 30));
const TOKEN = 'bench-live-updates';
const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status progress { percent } } changes } }';
const POLL = 'query($ids: [ID!]!) { jobs(ids: $ids) { id status progress { percent } } }';

const say = (message) => process.stderr.write(`[subscriptions] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${PID}/status`, 'utf8'))[1]);
// The managed heap after the gateway's last GC (its /metrics, summed over generations), once some requests
// have made the GC run: live objects plus garbage not yet collected from older generations, an upper bound.
async function heapKb() {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(GATEWAY, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    await response.arrayBuffer();
  }
  const metrics = await (await fetch(GATEWAY.replace(/\/graphql$/, '/metrics'))).text();
  let bytes = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith('dotnet_gc_last_collection_heap_size_bytes{')) bytes += Number(line.split(' ').at(-1));
  }
  return Math.round(bytes / 1024);
}
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function emulator(path, method = 'GET', body) {
  const response = await fetch(`${EMULATOR}${path}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

// Batch calls the emulator logged for our jobs since the log was cleared, by endpoint.
async function upstreamCalls(ids) {
  const watched = new Set(ids);
  const { requests } = await emulator('/_emulator/requests');
  const counts = { status: 0, progress: 0, detail: 0, total: 0 };
  for (const call of requests) {
    if ((call.jobIds ?? []).some((id) => watched.has(id))) {
      counts[call.endpoint] = (counts[call.endpoint] ?? 0) + 1;
      counts.total++;
    }
  }
  return counts;
}

const { jobs } = await emulator('/_emulator/jobs', 'POST', { projectId: PROJECT, count: JOBS, status: 'FULL_TRANSFER_STARTED', frozen: true });
const ids = jobs.map((job) => job.id);
await sleep(2000);
const heapIdle = await heapKb();
const rssIdle = rssKb();

// 1. Connections, then subscriptions.
const url = GATEWAY.replace(/^http/, 'ws');
const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => new Promise((resolve, reject) => {
  const client = createClient({
    url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0,
    connectionParams: { 'X-Auth-Token': TOKEN, 'X-Project-Id': PROJECT },
    on: { connected: () => resolve(client), error: reject },
  });
})));
await sleep(3000);
const heapConnections = await heapKb();
const rssConnections = rssKb();
say(`${CONNECTIONS} connections open`);

const waiters = new Map(); // job id -> { started, times[], done }
let initial = 0;
const subscriptions = [];
for (const client of clients) {
  for (let s = 0; s < SUBS; s++) {
    subscriptions.push(client.subscribe({ query: WATCH, variables: { ids } }, {
      next: ({ data }) => {
        const update = data?.jobUpdates;
        if (!update) return;
        if (update.changes.includes('INITIAL')) { initial++; return; }
        const waiter = waiters.get(update.job.id);
        if (waiter && update.changes.includes('STATUS')) {
          waiter.times.push(performance.now() - waiter.started);
          if (waiter.times.length === CONNECTIONS * SUBS) waiter.done();
        }
      },
      error: (error) => say(`subscription error: ${JSON.stringify(error)}`),
      complete: () => {},
    }));
  }
}
while (initial < CONNECTIONS * SUBS * JOBS) await sleep(50);
await sleep(5000);
const heapSubscriptions = await heapKb();
const rssSubscriptions = rssKb();
say(`${CONNECTIONS * SUBS} subscriptions have their ${initial} first events`);

// 2a. Nothing changes for WINDOW_S: what idle subscribers cost upstream (the poller at its longest tick).
await emulator('/_emulator/requests', 'DELETE');
await sleep(WINDOW_S * 1000);
const idleCalls = await upstreamCalls(ids);
say(`idle for ${WINDOW_S} s: ${idleCalls.total} upstream calls`);

// 2. Changes, one at a time, at irregular gaps (the poller backs off while nothing changes).
await emulator('/_emulator/requests', 'DELETE');
const changesStarted = performance.now();
const latencies = [];
for (let c = 0; c < CHANGES; c++) {
  await sleep(1000 + Math.random() * 5000);
  const id = ids[c % ids.length];
  const status = Math.floor(c / ids.length) % 2 === 0 ? 'INCRE_TRANSFER_STARTED' : 'FULL_TRANSFER_STARTED';
  const waiter = { times: [] };
  const received = new Promise((resolve) => { waiter.done = resolve; });
  waiter.started = performance.now();
  waiters.set(id, waiter);
  await emulator(`/_emulator/jobs/${id}/transition`, 'POST', { status, frozen: true });
  await Promise.race([received, sleep(60000)]);
  waiters.delete(id);
  latencies.push(...waiter.times);
  say(`change ${c + 1}/${CHANGES}: ${waiter.times.length} events, slowest ${Math.round(Math.max(...waiter.times))} ms`);
}
const subscribedMinutes = (performance.now() - changesStarted) / 60000;
const subscribedCalls = await upstreamCalls(ids);
for (const unsubscribe of subscriptions) unsubscribe();
await Promise.all(clients.map((client) => client.dispose()));

// 3. The same jobs watched the old way: POLLERS clients polling every POLL_INTERVAL_S, phases spread.
await sleep(2000);
await emulator('/_emulator/requests', 'DELETE');
const body = JSON.stringify({ query: POLL, variables: { ids } });
let polls = 0;
let pollFailures = 0;
const pollEnds = performance.now() + WINDOW_S * 1000;
await Promise.all(Array.from({ length: POLLERS }, async () => {
  await sleep(Math.random() * POLL_INTERVAL_S * 1000);
  while (performance.now() < pollEnds) {
    const next = performance.now() + POLL_INTERVAL_S * 1000;
    try {
      const response = await fetch(GATEWAY, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': TOKEN }, body });
      await response.arrayBuffer();
      if (response.ok) polls++; else pollFailures++;
    } catch {
      pollFailures++;
    }
    await sleep(Math.max(0, next - performance.now()));
  }
}));
const polledCalls = await upstreamCalls(ids);

latencies.sort((a, b) => a - b);
const kb = (value) => Math.round(value * 10) / 10;
process.stdout.write(`${JSON.stringify({
  connections: CONNECTIONS,
  subscriptions: CONNECTIONS * SUBS,
  jobs: JOBS,
  changes: CHANGES,
  events_timed: latencies.length,
  change_to_client_ms: latencies.length ? { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1)) } : null,
  rss_kb: { idle: rssIdle, connections: rssConnections, subscriptions: rssSubscriptions },
  heap_kb: { idle: heapIdle, connections: heapConnections, subscriptions: heapSubscriptions },
  memory_per_connection_kb: kb((rssConnections - rssIdle) / CONNECTIONS),
  memory_per_subscription_kb: kb((rssSubscriptions - rssConnections) / (CONNECTIONS * SUBS)),
  heap_per_connection_kb: kb((heapConnections - heapIdle) / CONNECTIONS),
  heap_per_subscription_kb: kb((heapSubscriptions - heapConnections) / (CONNECTIONS * SUBS)),
  subscribers_idle: { upstream: idleCalls, window_s: WINDOW_S, upstream_calls_per_min: kb(idleCalls.total / (WINDOW_S / 60)) },
  subscribers: { upstream: subscribedCalls, minutes: kb(subscribedMinutes), upstream_calls_per_min: kb(subscribedCalls.total / subscribedMinutes) },
  pollers: { clients: POLLERS, interval_s: POLL_INTERVAL_S, window_s: WINDOW_S, requests: polls, failures: pollFailures, upstream: polledCalls, upstream_calls_per_min: kb(polledCalls.total / (WINDOW_S / 60)) },
})}\n`);
process.exit(0);
