// The jobUpdates subscription through the protocols' reference clients, graphql-ws (WebSocket,
// graphql-transport-ws) and graphql-sse (distinct connections mode, and single connection mode: many operations
// on one stream), against the built gateway and its
// embedded emulator: the job's initial state, then the changes the emulator's control API makes at once
// (POST /_emulator/jobs/{id}/transition): a status change, then a terminal status, which completes the stream.
// Then projectJobsUpdates through both clients at once: a project's page, and the page again when a job joins it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import { startGateway } from './gateway.mjs';

const project = '054ba152d480d55b2f5dc0069e7ddef0';
const credentials = { 'X-Auth-Token': 'demo' };
const watch = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status isTerminal } changes observedAt } }';

let gateway;

// Short ticks and list cache, so a job joining a watched page shows within seconds.
before(async () => { gateway = await startGateway(['--Gateway:Subscriptions:MaxTick=00:00:02', '--Gateway:Cache:ListTtl=00:00:01']); });
after(() => gateway?.stop());

/** A frozen job in FULL_TRANSFER_STARTED: it changes only when a test changes it. */
async function createJob(projectId = project) {
  const response = await fetch(`${gateway.emulatorUrl}/_emulator/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ projectId, count: 1, status: 'FULL_TRANSFER_STARTED', frozen: true }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).jobs[0].id;
}

async function moveJob(id, status) {
  const response = await fetch(`${gateway.emulatorUrl}/_emulator/jobs/${id}/transition`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ status, frozen: true }),
  });
  assert.ok(response.ok, `transition to ${status}: ${response.status} ${await response.clone().text()}`);
}

/** Reads the iterator: the initial event, a status change, a terminal status, then its end. */
async function initialChangeCompletion(events, id) {
  const initial = await events.next();
  assert.equal(initial.done, false);
  assert.deepEqual(initial.value.data.jobUpdates.job, { id, status: 'FULL_TRANSFER_STARTED', isTerminal: false });
  assert.deepEqual(initial.value.data.jobUpdates.changes, ['INITIAL']);

  await moveJob(id, 'FULL_TRANSFER_COMPLETE');

  const change = await events.next();
  assert.equal(change.done, false);
  assert.deepEqual(change.value.data.jobUpdates.job, { id, status: 'FULL_TRANSFER_COMPLETE', isTerminal: false });
  assert.ok(change.value.data.jobUpdates.changes.includes('STATUS'));
  assert.ok(!Number.isNaN(Date.parse(change.value.data.jobUpdates.observedAt)));

  await moveJob(id, 'RELEASE_RESOURCE_COMPLETE');

  const last = await events.next();
  assert.equal(last.done, false);
  assert.deepEqual(last.value.data.jobUpdates.job, { id, status: 'RELEASE_RESOURCE_COMPLETE', isTerminal: true });

  const end = await events.next();
  assert.equal(end.done, true, 'the subscription completes once every watched job is terminal');
}

test('graphql-ws: credentials in connectionParams, initial state, a change, completion', async () => {
  const id = await createJob();
  const client = createWsClient({ url: gateway.baseUrl.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: credentials, retryAttempts: 0 });
  try {
    await initialChangeCompletion(client.iterate({ query: watch, variables: { ids: [id] } }), id);
  } finally {
    await client.dispose();
  }
});

test('graphql-ws: a query over the socket', async () => {
  const client = createWsClient({ url: gateway.baseUrl.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: credentials, retryAttempts: 0 });
  try {
    const results = [];
    for await (const result of client.iterate({ query: '{ job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { status } }' })) results.push(result);
    assert.deepEqual(results, [{ data: { job: { status: 'INCRE_TRANSFER_STARTED' } } }]);
  } finally {
    await client.dispose();
  }
});

test('graphql-ws: a malformed project id in connectionParams closes the socket with 4403', async () => {
  let closed;
  const client = createWsClient({
    url: gateway.baseUrl.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { ...credentials, 'X-Project-Id': 'not a project!' },
    retryAttempts: 0,
    on: { closed: event => { closed ??= event; } },
  });
  try {
    await assert.rejects(async () => {
      for await (const _ of client.iterate({ query: '{ __typename }' })) { /* refused before any result */ }
    });
    assert.equal(closed?.code, 4403);
    assert.match(closed.reason, /^Forbidden/);
  } finally {
    await client.dispose();
  }
});

test('graphql-sse: credentials as headers, initial state, a change, completion', async () => {
  const id = await createJob();
  const client = createSseClient({ url: gateway.baseUrl + '/graphql', headers: credentials, retryAttempts: 0 });
  try {
    await initialChangeCompletion(client.iterate({ query: watch, variables: { ids: [id] } }), id);
  } finally {
    client.dispose();
  }
});

test('graphql-sse: a query over an event stream', async () => {
  const client = createSseClient({ url: gateway.baseUrl + '/graphql', headers: credentials, retryAttempts: 0 });
  try {
    const results = [];
    for await (const result of client.iterate({ query: '{ job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { status } }' })) results.push(result);
    assert.deepEqual(results, [{ data: { job: { status: 'INCRE_TRANSFER_STARTED' } } }]);
  } finally {
    client.dispose();
  }
});

/** graphql-sse's client in single connection mode, recording each request's method and answer. */
function singleConnectionClient(requests) {
  return createSseClient({
    url: gateway.baseUrl + '/graphql',
    // A copy: the client writes the reservation's token into the headers object it is given.
    headers: { ...credentials },
    singleConnection: true,
    retryAttempts: 0,
    fetchFn: async (url, init) => {
      const response = await fetch(url, init);
      requests.push(`${init.method} ${response.status}`);
      return response;
    },
  });
}

test('graphql-sse single connection mode: two subscriptions and a query at once share one stream', async () => {
  const [a, b] = [await createJob(), await createJob()];
  const requests = [];
  const client = singleConnectionClient(requests);
  try {
    const query = (async () => {
      const results = [];
      for await (const result of client.iterate({ query: '{ job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { status } }' })) results.push(result);
      return results;
    })();
    // Both subscriptions run their whole course at once, each change made while the other waits on the same stream.
    await Promise.all([
      initialChangeCompletion(client.iterate({ query: watch, variables: { ids: [a] } }), a),
      initialChangeCompletion(client.iterate({ query: watch, variables: { ids: [b] } }), b),
    ]);
    assert.deepEqual(await query, [{ data: { job: { status: 'INCRE_TRANSFER_STARTED' } } }]);
    // One reservation and one event stream for all three operations, each accepted with 202.
    assert.deepEqual(requests.filter(r => !r.startsWith('POST')), ['PUT 201', 'GET 200']);
    assert.deepEqual(requests.filter(r => r.startsWith('POST')), ['POST 202', 'POST 202', 'POST 202']);
  } finally {
    client.dispose();
  }
});

test('graphql-sse single connection mode: leaving a subscription early stops it with a DELETE', async () => {
  const id = await createJob();
  const requests = [];
  const client = singleConnectionClient(requests);
  try {
    const events = client.iterate({ query: watch, variables: { ids: [id] } });
    const initial = await events.next();
    assert.deepEqual(initial.value.data.jobUpdates.changes, ['INITIAL']);
    await events.return();
    const deadline = Date.now() + 10_000;
    while (!requests.some(r => r.startsWith('DELETE')) && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
    assert.ok(requests.includes('DELETE 200'), requests.join(', '));
  } finally {
    client.dispose();
  }
});

test('projectJobsUpdates over graphql-ws and graphql-sse: the page, then the page again when a job joins it', async () => {
  const own = crypto.randomUUID().replaceAll('-', '');
  const first = await createJob(own);
  const callerOf = { ...credentials, 'X-Project-Id': own };
  const page = 'subscription { projectJobsUpdates(first: 50) { changes page { totalCount nodes { id } } } }';
  const ws = createWsClient({ url: gateway.baseUrl.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: callerOf, retryAttempts: 0 });
  const sse = createSseClient({ url: gateway.baseUrl + '/graphql', headers: callerOf, retryAttempts: 0 });
  const streams = [ws.iterate({ query: page }), sse.iterate({ query: page })];
  try {
    for (const initial of await Promise.all(streams.map(s => s.next()))) {
      assert.equal(initial.done, false);
      assert.deepEqual(initial.value, { data: { projectJobsUpdates: { changes: ['INITIAL'], page: { totalCount: 1, nodes: [{ id: first }] } } } });
    }

    const second = await createJob(own);
    for (const joined of await Promise.all(streams.map(s => s.next()))) {
      assert.equal(joined.done, false);
      const { changes, page: { totalCount, nodes } } = joined.value.data.projectJobsUpdates;
      assert.deepEqual(changes, ['MEMBERSHIP', 'TOTAL_COUNT']);
      assert.equal(totalCount, 2);
      assert.deepEqual(nodes.map(n => n.id).sort(), [first, second].sort());
    }
  } finally {
    await Promise.all(streams.map(s => s.return?.()));
    await ws.dispose();
    sse.dispose();
  }
});
