// Opens a page in a real headless Chromium and has it call the gateway with fetch() from the page's own origin,
// as a web app on another origin would. Usage: node cors-page.mjs '<json>' where json is
// { "page": "http://127.0.0.1:PORT/", "calls": [ { "name": "...", "url": "...", "init": { ...fetch options } } ] }.
// Prints one JSON line: for each call, what the page's script could see (status, body, exposed headers) or the
// error the browser gave it (a refused CORS check is a TypeError with no status).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const job = JSON.parse(process.argv[2]);
const executablePath = process.env.CHROMIUM_PATH
  ?? ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const profile = mkdtempSync(join(tmpdir(), 'gw-cors-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(job.page);
  const results = await page.evaluate(async (calls) => {
    const out = [];
    for (const call of calls) {
      try {
        const response = await fetch(call.url, call.init ?? {});
        out.push({
          name: call.name,
          ok: true,
          status: response.status,
          body: await response.text(),
          requestId: response.headers.get('X-Ca-Request-Id'),
          errorCode: response.headers.get('X-Ca-Error-Code'),
        });
      } catch (error) {
        out.push({ name: call.name, ok: false, error: String(error) });
      }
    }
    return out;
  }, job.calls);
  process.stdout.write(JSON.stringify(results) + '\n');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
