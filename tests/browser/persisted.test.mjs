// Automatic persisted queries with Apollo Client's own persisted query link against the built gateway (embedded
// emulator): the hash-only GET, PERSISTED_QUERY_NOT_FOUND, the retry with the text, then hash-only hits with
// cache headers; and a trusted-only gateway that runs a trusted document by hash but refuses unknown text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from 'graphql';
import { startGateway } from './gateway.mjs';

const jobId = '9a470239-2308-4bb5-a6bc-1040402fjb21';
const sha256 = text => createHash('sha256').update(text).digest('hex');
const trustedQuery = gql`query trustedStatus($id: ID!) { job(id: $id) { id status __typename } }`;

let open;
let trustedOnly;
let folder;

before(async () => {
  folder = mkdtempSync(path.join(tmpdir(), 'drsgraph-persisted-'));
  const manifest = path.join(folder, 'persisted.json');
  // Apollo hashes print(document) after its cache added __typename (written out here already), so the manifest holds that text.
  writeFileSync(manifest, JSON.stringify({ trustedStatus: print(trustedQuery) }));
  [open, trustedOnly] = await Promise.all([
    startGateway(['--Gateway:PersistedOperations:GetMaxAge=00:00:05']),
    startGateway([`--Gateway:PersistedOperations:TrustedDocumentsManifest=${manifest}`, '--Gateway:PersistedOperations:OnlyTrustedDocuments=true']),
  ]);
});

after(() => {
  open?.stop();
  trustedOnly?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** An Apollo Client with the persisted query link (GET for hashed queries), recording every HTTP exchange. */
function apollo(baseUrl) {
  const exchanges = [];
  const recordingFetch = async (url, init) => {
    const response = await fetch(url, init);
    exchanges.push({ method: init?.method ?? 'GET', url: String(url), body: init?.body, status: response.status, cacheControl: response.headers.get('cache-control') });
    return response;
  };
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true })
    .concat(new HttpLink({ uri: `${baseUrl}/graphql`, fetch: recordingFetch, headers: { 'X-Auth-Token': 'demo' } }));
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), exchanges };
}

test('Apollo Client registers an unknown hash with its text, then runs it by the hash alone over a cacheable GET', async () => {
  const query = gql`query apqStatus($id: ID!) { job(id: $id) { id status __typename } }`;
  const { client, exchanges } = apollo(open.baseUrl);

  const first = await client.query({ query, variables: { id: jobId }, fetchPolicy: 'network-only' });
  const second = await client.query({ query, variables: { id: jobId }, fetchPolicy: 'network-only' });

  assert.equal(first.data.job.id, jobId);
  assert.deepEqual(second.data, first.data);
  const hash = sha256(print(query));
  // 1: GET with the hash only, unknown; 2: POST with the text and the hash; 3: GET with the hash only, found.
  assert.deepEqual(exchanges.map(e => [e.method, e.status]), [['GET', 400], ['POST', 200], ['GET', 200]]);
  for (const get of [exchanges[0], exchanges[2]]) {
    const url = new URL(get.url);
    assert.equal(url.searchParams.get('query'), null);
    assert.equal(JSON.parse(url.searchParams.get('extensions')).persistedQuery.sha256Hash, hash);
  }
  assert.equal(JSON.parse(exchanges[1].body).query, print(query));
  assert.equal(exchanges[0].cacheControl, 'no-store');
  assert.equal(exchanges[2].cacheControl, 'private, max-age=5');
});

test('a trusted-only gateway runs a trusted document by its hash and refuses an unknown one at once, without the text retry', async () => {
  const { client, exchanges } = apollo(trustedOnly.baseUrl);

  const trusted = await client.query({ query: trustedQuery, variables: { id: jobId }, fetchPolicy: 'network-only' });
  assert.equal(trusted.data.job.id, jobId);
  assert.deepEqual(exchanges.map(e => [e.method, e.status]), [['GET', 200]]);

  await assert.rejects(
    client.query({ query: gql`query untrusted($id: ID!) { job(id: $id) { id status __typename } }`, variables: { id: jobId }, fetchPolicy: 'network-only' }),
    error => {
      assert.deepEqual(error.errors.map(e => e.extensions.code), ['OPERATION_NOT_TRUSTED']);
      return true;
    });
  // OPERATION_NOT_TRUSTED to the hash: Apollo does not send the text (it did on PERSISTED_QUERY_NOT_FOUND, to be refused again).
  assert.deepEqual(exchanges.slice(1).map(e => [e.method, e.status]), [['GET', 400]]);
});

test('a trusted-only gateway refuses plain text that is not a trusted document', async () => {
  const response = await fetch(`${trustedOnly.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json', 'X-Auth-Token': 'demo' },
    body: JSON.stringify({ query: `{ job(id: "${jobId}") { id } }` }),
  });
  const body = await response.json();
  assert.equal(response.status, 400);
  assert.deepEqual(body.errors.map(e => e.extensions.code), ['OPERATION_NOT_TRUSTED']);
});
