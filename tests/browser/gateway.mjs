// Starts the built gateway (with its embedded DRS emulator) on a free port, for one test file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const gatewayDll = path.join(root, 'src/DrsGraph.Gateway/bin/Debug/net10.0/DrsGraph.Gateway.dll');

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

/**
 * Resolves to { baseUrl, emulatorUrl, stop } once GET /graphql?sdl answers 200. The embedded emulator listens
 * at emulatorUrl, so tests can use its control API (/_emulator/jobs, ...). extraArgs are more gateway settings.
 */
export async function startGateway(extraArgs = []) {
  assert.ok(existsSync(gatewayDll), `${gatewayDll} is missing: run dotnet build (or dotnet test) first`);
  const baseUrl = `http://127.0.0.1:${await freePort()}`;
  const emulatorUrl = `http://127.0.0.1:${await freePort()}`;
  // The embedded emulator serves only when asked for (or in Development): the test asks explicitly. No start-up
  // load (WarmUpRequests=0): these tests are about answers, not speed, and the gateway tests cover the warm-up.
  const gateway = spawn('dotnet', [gatewayDll, '--urls', baseUrl, '--Gateway:EmbeddedEmulator:Enabled=true',
    `--Gateway:EmbeddedEmulator:Urls=${emulatorUrl}`, '--Gateway:Health:WarmUpRequests=0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  gateway.stdout.resume();
  gateway.stderr.resume();
  const stop = () => gateway.kill();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/graphql?sdl`);
      if (response.ok) return { baseUrl, emulatorUrl, stop };
    } catch { /* not listening yet */ }
    await new Promise(r => setTimeout(r, 250));
  }
  stop();
  throw new Error('the gateway did not start within 60 s');
}
