// Banana Cake Pop, as a person would use it: open /graphql in Chromium, create a document, type a
// query, press Run, and read the answer. Catches what HTTP-level tests cannot (a CSP that blanks the
// page, a wrong bcp-config.json, an IDE that cannot reach the endpoint).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const gatewayDll = path.join(root, 'src/DrsGraph.Gateway/bin/Debug/net10.0/DrsGraph.Gateway.dll');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let gateway;
let baseUrl;

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

before(async () => {
  assert.ok(existsSync(gatewayDll), `${gatewayDll} is missing: run dotnet build (or dotnet test) first`);
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install chromium`);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  gateway = spawn('dotnet', [gatewayDll, '--urls', baseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  gateway.stdout.resume();
  gateway.stderr.resume();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/graphql?sdl`);
      if (response.ok) return;
    } catch { /* not listening yet */ }
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error('the gateway did not start within 60 s');
});

after(() => gateway?.kill());

test('Banana Cake Pop loads at /graphql and runs a query against the embedded emulator', { timeout: 120_000 }, async () => {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors = [];
    page.on('pageerror', error => pageErrors.push(error.message));

    await page.goto(`${baseUrl}/graphql`);
    await page.getByText('Create Document').click({ timeout: 60_000 });
    const editor = page.locator('.monaco-editor textarea').first();
    await editor.waitFor({ timeout: 30_000 });
    await editor.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { id status } }');
    await page.getByRole('button', { name: /run/i }).first().click({ timeout: 10_000 });

    await page.getByText('INCRE_TRANSFER_STARTED').first().waitFor({ timeout: 30_000 });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});
