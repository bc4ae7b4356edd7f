// Browser scenarios of the web console, driven by the xunit tests in tests/Gateway.Tests/Console (which start the
// gateway, the backend and this script). Debian's chromium, headless, with a fresh profile; screenshots of every page
// go to SCREENSHOTS. Prints one line per step; any failure ends the process with a non-zero exit code.
//   CONSOLE_URL  http://127.0.0.1:PORT/console/     ADMIN_TOKEN / VIEWER_TOKEN
//   GATEWAY_URL  the frontend, for ordinary traffic  BACKEND_URL  the echo backend
//   SCENARIO     workflow | viewer | quota            SCREENSHOTS  folder for PNGs
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const consoleUrl = env("CONSOLE_URL");
const shots = env("SCREENSHOTS");
const scenario = env("SCENARIO");
mkdirSync(shots, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), "console-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 860 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
context.setDefaultTimeout(30_000);
const page = context.pages()[0] ?? (await context.newPage());
const browserErrors = [];
page.on("pageerror", (e) => browserErrors.push(String(e)));

const step = (text) => console.log(`step: ${text}`);
const shot = async (name) => page.screenshot({ path: join(shots, `${scenario}-${name}.png`), fullPage: true });
const expect = (condition, message) => { if (!condition) throw new Error(message); };
const go = async (hash) => { await page.goto(consoleUrl + hash); };

async function login(token, role) {
  await go("");
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("me").filter({ hasText: `(${role})` }).waitFor();
  step(`logged in as ${role}`);
  await shot("overview");
}

/** Sends the Debug page's form until the answer has the status (publish and revoke reach frontends within seconds). */
async function debugUntil(status) {
  for (let attempt = 0; ; attempt++) {
    await page.getByRole("button", { name: "Send" }).click();
    const answer = page.getByTestId("status");
    await answer.waitFor();
    await page.waitForFunction(() => !document.querySelector("button:disabled"));
    const got = Number(await answer.textContent());
    if (got === status) return;
    expect(attempt < 100, `debug call answered ${got}, expected ${status}`);
    await page.waitForTimeout(100);
  }
}

async function workflow() {
  await login(env("ADMIN_TOKEN"), "admin");

  await go("#/groups");
  await page.getByLabel("Group name").fill("shop");
  await page.getByLabel("Base path").fill("/shop");
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByTestId("groups").getByText("/shop").waitFor();
  step("group created");
  await shot("groups");

  await go("#/backends");
  await page.getByLabel("Backend name").fill("orders-backend");
  await page.getByLabel("Addresses").fill(env("BACKEND_URL"));
  await page.getByRole("button", { name: "Create backend" }).click();
  await page.getByTestId("backends").getByText("orders-backend").waitFor();
  step("backend created");
  await shot("backends");

  await go("#/apis");
  await page.getByRole("button", { name: "Create API" }).click();
  const wizard = page.getByTestId("wizard");
  await wizard.getByRole("button", { name: "Next" }).click();
  await wizard.getByText("Give the API a name.").waitFor(); // an incomplete step does not move on
  await page.getByLabel("API id").fill("orders");
  await page.getByLabel("API name").fill("Get an order");
  await page.locator('select[name="Group"]').selectOption("shop");
  await page.locator('select[name="Authentication"]').selectOption("AppSignature");
  await wizard.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Request path").fill("/orders/{id}");
  await wizard.getByRole("button", { name: "Next" }).click();
  await wizard.getByText("Define the path parameter 'id'.").waitFor();
  await wizard.getByRole("button", { name: "Define path parameters" }).click();
  await wizard.getByRole("button", { name: "Next" }).click();
  await page.locator('select[name="Backend"]').selectOption("orders-backend");
  await page.getByLabel("Backend path").fill("/echo/orders/{id}");
  await wizard.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Success response example").fill('{"id": "42"}');
  await shot("wizard");
  await wizard.getByRole("button", { name: "Save API" }).click();
  await page.getByTestId("apis").getByText("Get an order").waitFor();
  step("API created through the four-step wizard");
  await shot("apis");

  // A refusal of the admin API is shown where the change was made, with its status, code and message.
  await go("#/groups");
  await page.getByTestId("groups").getByRole("button", { name: "Delete" }).click();
  await page.getByTestId("problem").filter({ hasText: "400 CatalogRefused" }).filter({ hasText: "the group still holds APIs: orders" }).waitFor();
  await page.getByTestId("groups").getByText("/shop").waitFor();
  step("deleting a group that holds an API is refused, with the admin API's problem shown in place");
  await shot("groups-refused");

  await go("#/apis/orders");
  const publish = page.getByTestId("publish");
  await publish.getByText("path").first().waitFor(); // the diff against what is live (nothing yet)
  const button = publish.getByRole("button", { name: "Publish to TEST" });
  expect(await button.isDisabled(), "publish must need a remark");
  await page.getByLabel("Remark").fill("first version");
  await button.click();
  await page.getByTestId("versions").getByText("first version").waitFor();
  step("published to TEST with a remark");
  await shot("api-detail");

  const definition = page.locator('textarea[name="definition"]');
  const yaml = await definition.inputValue();
  expect(yaml.includes("path: /orders/{id}"), `the draft is shown as YAML: ${yaml}`);
  await definition.fill(yaml.replace("path: /orders/{id}", "path: orders-without-slash"));
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByTestId("problem").filter({ hasText: "path" }).waitFor();
  step("a bad YAML definition is refused with its problems shown in place");
  await shot("api-yaml-error");

  await go("#/apps");
  await page.getByLabel("App id").fill("shopper");
  await page.getByLabel("Owner").fill("ann");
  await page.getByRole("button", { name: "Create app" }).click();
  const app = page.getByTestId("app-shopper");
  await app.getByRole("button", { name: "New key" }).click();
  const secret = (await app.getByTestId("secret").locator("code").nth(1).textContent()).trim();
  await app.getByLabel("Grant API").fill("orders");
  await app.locator('select[name="Stage"]').selectOption("TEST");
  await app.getByRole("button", { name: "Grant" }).click();
  await app.getByRole("button", { name: "Revoke" }).waitFor();
  step("app with a key (secret shown once) and a grant");
  await shot("apps");

  await go("#/debug");
  await page.locator('select[name="api"]').selectOption("orders");
  await page.locator('select[name="stage"]').selectOption("TEST");
  await page.locator('select[name="app"]').selectOption("shopper");
  await page.locator('input[name="path.id"]').fill("42");
  await debugUntil(200);
  const body = await page.getByTestId("body").textContent();
  expect(body.includes("/echo/orders/42"), `the backend's reply is shown: ${body}`);
  for (const s of ["route", "authentication", "grant", "parameters", "backend"]) {
    await page.locator(`[data-step="${s}"][data-outcome="passed"]`).waitFor();
  }
  await page.locator('[data-step="throttling"]').waitFor();
  const curl = await page.getByTestId("curl").textContent();
  expect(curl.includes("X-Ca-Signature:") && !curl.includes("X-Ca-Debug-Ticket"), "curl carries the signature, not the ticket");
  expect(secret.length >= 16, `a secret was shown: '${secret}'`);
  expect(!(await page.content()).includes(secret), "the app's secret never reaches the debug page");
  step("debug call answered 200 with the backend's reply and the timeline");
  await shot("debug-200");

  // A change saved and not published: a debug call of the draft sees it, a debug call of TEST's version does not.
  await go("#/apis/orders");
  const saved = page.locator('textarea[name="definition"]');
  await saved.fill((await saved.inputValue()).replace("/echo/orders/{id}", "/echo/draft/{id}"));
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByTestId("publish").getByText("/echo/draft/{id}").first().waitFor(); // the diff against TEST
  await go("#/debug");
  await page.locator('select[name="api"]').selectOption("orders");
  await page.locator('select[name="stage"]').selectOption("TEST");
  await page.locator('select[name="app"]').selectOption("shopper");
  await page.locator('input[name="path.id"]').fill("42");
  await page.locator('input[name="draft"]').check();
  await debugUntil(200);
  const draftBody = await page.getByTestId("body").textContent();
  expect(draftBody.includes("/echo/draft/42"), `the draft's backend path is called: ${draftBody}`);
  await page.getByTestId("draft").waitFor();
  await page.locator('[data-step="route"]').filter({ hasText: "unpublished draft" }).waitFor();
  await shot("debug-draft");
  await page.locator('input[name="draft"]').uncheck();
  await debugUntil(200);
  const liveBody = await page.getByTestId("body").textContent();
  expect(liveBody.includes("/echo/orders/42"), `without the draft, TEST's version answers: ${liveBody}`);
  expect(await page.getByTestId("draft").count() === 0, "a call of the published version names no draft");
  step("a debug call of the unpublished draft sees its change; a call of the published version does not");

  await go("#/apps");
  await page.getByTestId("app-shopper").getByRole("button", { name: "Revoke" }).click();
  await page.getByTestId("app-shopper").getByRole("button", { name: "Revoke" }).waitFor({ state: "detached" });
  await go("#/debug");
  await page.locator('select[name="api"]').selectOption("orders");
  await page.locator('select[name="stage"]').selectOption("TEST");
  await page.locator('select[name="app"]').selectOption("shopper");
  await page.locator('input[name="path.id"]').fill("42");
  await debugUntil(403);
  expect((await page.getByTestId("error-code").textContent()) === "A403NG", "403 is A403NG");
  await page.locator('[data-step="grant"][data-outcome="failed"]').waitFor();
  await page.locator('[data-step="authentication"][data-outcome="passed"]').waitFor();
  await page.locator('[data-step="backend"][data-outcome="skipped"]').waitFor();
  step("after revoking the grant the debug call shows 403 A403NG at the grant step");
  await shot("debug-403");

  for (const name of ["throttling", "monitoring", "alerts", "audit"]) {
    await go(`#/${name}`);
    await page.getByRole("heading", { level: 2 }).waitFor();
    await shot(name);
  }
  await page.getByTestId("audit").getByText("PUT /v1/apis/orders").first().waitFor();
  step("the audit log shows the console's changes");
}

async function viewer() {
  await login(env("VIEWER_TOKEN"), "viewer");
  await go("#/apis");
  await page.getByTestId("apis").getByText("orders").first().waitFor();
  expect(await page.getByRole("button", { name: "Create API" }).count() === 0, "a viewer sees no Create API");
  expect(await page.getByRole("link", { name: "Debug" }).count() === 0, "a viewer sees no Debug page");
  await go("#/apis/orders");
  await page.getByTestId("no-publish").waitFor();
  expect(await page.getByRole("button", { name: /^Publish/ }).count() === 0, "a viewer sees no publish button");
  step("a viewer cannot publish");
  await shot("viewer-api");
}

async function quota() {
  await login(env("ADMIN_TOKEN"), "admin");
  await go("#/throttling");
  await page.getByTestId("bindings").getByRole("button", { name: "Live quota" }).click();
  const used = page.getByTestId("quota-used");
  await used.waitFor();
  const before = Number(await used.textContent());
  const gateway = env("GATEWAY_URL");
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${gateway}/list/items`);
    expect(r.status === 200, `ordinary call answered ${r.status}`);
  }
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid="quota-used"]')?.textContent) >= b + 3, before);
  step(`the quota's used count moved from ${before} to ${await used.textContent()}`);
  await shot("quota");

  await go("#/monitoring");
  await page.locator('select[name="Which"]').selectOption("list");
  await page.locator('select[name="Minutes"]').selectOption("5");
  await page.getByTestId("charts").waitFor();
  await page.waitForFunction(() => /Totals: ([3-9]|\d\d+) calls/.test(document.querySelector('[data-testid="charts"]')?.textContent ?? ""));
  expect(await page.locator('[data-testid="charts"] polyline').count() === 4, "four charts: calls, errors, p95, p99");
  expect(/p95 ≤ \d+ ms, p99 ≤ \d+ ms/.test(await page.getByTestId("charts").textContent()), "the totals' p95 and p99");
  step("the monitoring charts show the API's calls and latency percentiles");
  await shot("monitoring-charts");

  await go("#/overview");
  await page.getByTestId("overview").getByTestId("p95").filter({ hasText: /≤ \d+ ms/ }).first().waitFor();
  step("the overview shows the p95 latency of the last 5 minutes");
  await shot("overview-p95");
}

try {
  await { workflow, viewer, quota }[scenario]();
  expect(browserErrors.length === 0, `errors in the page: ${browserErrors.join("; ")}`);
  console.log("ok");
} catch (e) {
  console.log(`failed: ${e.stack ?? e}`);
  await shot("failure").catch(() => undefined);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
