// Banana Cake Pop, as a person would use it: open /graphql in Chromium, create a document, type a
// query, press Run, and read the answer. Catches what HTTP-level tests cannot (a CSP that blanks the
// page, a wrong bcp-config.json, an IDE that cannot reach the endpoint).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startGateway } from './gateway.mjs';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let gateway;
let baseUrl;

before(async () => {
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install chromium`);
  gateway = await startGateway();
  ({ baseUrl } = gateway);
});

after(() => gateway?.stop());

// Opens the IDE (of the gateway at `at`, this file's gateway by default) on a new document holding `text` (whatever
// the editor had is replaced).
async function openDocument(page, text, at = baseUrl) {
  await page.goto(`${at}/graphql`);
  await page.getByText('Create Document').click({ timeout: 60_000 });
  const editor = page.locator('.monaco-editor textarea').first();
  await editor.waitFor({ timeout: 30_000 });
  await editor.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

// The IDE parses the editor's text in the background: a Run that comes first sends an empty document, so press
// Run again (at most three times) until `shown` appears, as a person would.
async function runUntilShown(page, shown, timeout) {
  for (let attempt = 1; ; attempt++) {
    await page.getByRole('button', { name: /run/i }).first().click({ timeout: 10_000 });
    try {
      await shown.waitFor({ timeout });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

test('Banana Cake Pop loads at /graphql and runs a query against the embedded emulator', { timeout: 180_000 }, async () => {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors = [];
    page.on('pageerror', error => pageErrors.push(error.message));

    await openDocument(page, '{ job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { id status } }');

    // A Run before the IDE has parsed the text sends an empty document (seen once in CI), so run again; generous:
    // on a loaded 2-core machine the IDE's first introspection and render took over 30 s.
    const answered = page.getByText('INCRE_TRANSFER_STARTED').first();
    await runUntilShown(page, answered, 30_000);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});

test('Banana Cake Pop runs a subscription over the same endpoint and shows its first event', { timeout: 120_000 }, async t => {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors = [];
    page.on('pageerror', error => pageErrors.push(error.message));
    // Which transport the IDE's "Auto" protocol picks is its business; one of ours must have carried the event.
    const transports = [];
    page.on('websocket', socket => transports.push(`websocket ${socket.url()}`));
    page.on('request', request => { if ((request.headers().accept ?? '').includes('text/event-stream')) transports.push(`sse ${request.url()}`); });

    await openDocument(page, 'subscription { jobUpdates(ids: ["9a470239-2308-4bb5-a6bc-1040402fjb21"]) { job { id status } changes } }');

    // The IDE parses the editor's text in the background: a click that comes first sends an empty document
    // (seen: NO_OPERATION over HTTP). So Run again until the event shows, as a person would.
    const initial = page.getByText('INITIAL').first();
    await runUntilShown(page, initial, 20_000);
    assert.ok(transports.some(used => used.includes('/graphql')), `no subscription transport was used: ${transports.join(', ')}`);
    t.diagnostic(`transport: ${transports.join(', ')}`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});

// The README's "Browsing jobs" examples, read from the README itself (as BrowsingReadmeTests does), so an
// edited example is the one run. Comments are dropped and lines joined: the IDE's editor auto-indents and
// auto-closes brackets on typed newlines, which would change the text; GraphQL ignores both.
function browsingExamples() {
  const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## Browsing jobs');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```graphql\n([\s\S]*?)```/g)]
    .map(match => match[1].split('\n').map(line => line.replace(/#.*$/, '').trim()).filter(Boolean).join(' '));
}

test('the README\'s browsing examples run in Banana Cake Pop and answer data without errors', { timeout: 300_000 }, async t => {
  const examples = browsingExamples();
  assert.equal(examples.length, 2);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const example of examples) {
      // A fresh page per example, so the answer pane cannot still show the previous example's answer.
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const pageErrors = [];
      page.on('pageerror', error => pageErrors.push(error.message));
      const answers = [];
      page.on('response', async response => {
        if (response.request().method() === 'POST' && new URL(response.url()).pathname === '/graphql') {
          try { answers.push(await response.json()); } catch { /* not JSON: not an answer to the example */ }
        }
      });

      await openDocument(page, example);

      // As in the subscription test: a Run before the IDE has parsed the text sends an empty document, so run again.
      const answered = page.getByText('"data"').first();
      await runUntilShown(page, answered, 30_000);

      // The IDE also posts its own introspection queries: the example's answer is the one with its root fields.
      const answer = answers.find(a => a?.data?.projectJobs || a?.data?.jobsConnection);
      assert.ok(answer, `no answer with data reached the IDE for: ${example}`);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      // Each example shows jobs: the failed migration jobs of the demo project, or the given IDs' page.
      const rows = answer.data.projectJobs?.edges ?? answer.data.jobsConnection?.nodes ?? [];
      assert.ok(rows.length > 0, `the example answered no jobs: ${JSON.stringify(answer.data)}`);
      assert.deepEqual(pageErrors, []);
      t.diagnostic(`ran: ${example.slice(0, 80)}...`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

// Trusted-only mode with AllowUntrustedFromIde: the IDE's own requests run what is typed. They come from a web worker
// (whose Referer names its script under /graphql/static/), from a page served with Referrer-Policy: no-referrer, and
// over a WebSocket upgrade (which never carries a Referer); before, a Referer naming /graphql itself was the only way
// in, so the real IDE saw "Schema unavailable" and OPERATION_NOT_TRUSTED for everything.
test('with trusted documents only and AllowUntrustedFromIde, Banana Cake Pop loads the schema and runs what is typed', { timeout: 240_000 }, async t => {
  const folder = mkdtempSync(path.join(tmpdir(), 'drsgraph-ide-trusted-'));
  const manifest = path.join(folder, 'trusted.json');
  writeFileSync(manifest, JSON.stringify({ onlyThis: 'query onlyThis { __typename }' }));
  const trustedOnly = await startGateway([`--Gateway:PersistedOperations:TrustedDocumentsManifest=${manifest}`,
    '--Gateway:PersistedOperations:OnlyTrustedDocuments=true', '--Gateway:PersistedOperations:AllowUntrustedFromIde=true']);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // Outside the IDE the mode holds: an untrusted text is refused.
    const outside = await (await fetch(`${trustedOnly.baseUrl}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }),
    })).json();
    assert.equal(outside.errors?.[0]?.extensions?.code, 'OPERATION_NOT_TRUSTED');

    for (const [document, shown] of [
      ['{ job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { id status } }', 'INCRE_TRANSFER_STARTED'],
      ['subscription { jobUpdates(ids: ["9a470239-2308-4bb5-a6bc-1040402fjb21"]) { job { id status } changes } }', 'INITIAL'],
    ]) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const refusals = [];
      page.on('response', async response => {
        if (new URL(response.url()).pathname === '/graphql' && response.request().method() === 'POST') {
          try { if (JSON.stringify(await response.json()).includes('OPERATION_NOT_TRUSTED')) refusals.push(response.url()); } catch { /* a stream */ }
        }
      });
      page.on('websocket', socket => socket.on('framereceived', frame => {
        if (String(frame.payload).includes('OPERATION_NOT_TRUSTED')) refusals.push(socket.url());
      }));
      await openDocument(page, document, trustedOnly.baseUrl);
      await runUntilShown(page, page.getByText(shown).first(), 30_000);
      assert.deepEqual(refusals, [], `the IDE was refused: ${refusals.join(', ')}`);
      t.diagnostic(`ran: ${document.slice(0, 60)}`);
      await page.close();
    }
  } finally {
    await browser.close();
    trustedOnly.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});
