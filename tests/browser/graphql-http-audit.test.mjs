// The GraphQL over HTTP spec's compliance audit (graphql-http's serverAudits) against the real
// gateway: every MUST that fails fails its test; SHOULD (warn) and MAY (notice) misses are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';
import { startGateway } from './gateway.mjs';

let gateway;

before(async () => { gateway = await startGateway(); });
after(() => gateway?.stop());

// Sent as a real caller would: embedded mode supplies a default token, a gateway in front of a real DRS
// does not. The audits set every other header themselves and send no Origin or Sec-Fetch-Site, so the
// CSRF guard sees a non-browser client (as it should) and lets them through.
const fetchFn = (url, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('X-Auth-Token', 'demo');
  return fetch(url, { ...init, headers });
};

const explain = result => `${result.reason}; HTTP ${result.response.status}`;

test('graphql-http server audits', async t => {
  const audits = serverAudits({ url: () => `${gateway.baseUrl}/graphql`, fetchFn });
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const audit of audits) {
    await t.test(`${audit.id} ${audit.name}`, async st => {
      const result = await audit.fn();
      counts[result.status]++;
      if (result.status === 'error') assert.fail(explain(result));
      if (result.status !== 'ok') st.diagnostic(`${result.status}: ${explain(result)}`);
    });
  }
  t.diagnostic(`ok ${counts.ok}, notice ${counts.notice}, warn ${counts.warn}, error ${counts.error}`);
  // Guards against a passing run that audited nothing (an empty list, every result swallowed).
  const ran = counts.ok + counts.notice + counts.warn + counts.error;
  assert.ok(ran > 50, `only ${ran} audits ran`);
  assert.ok(counts.ok > 0, 'no audit passed');
});
