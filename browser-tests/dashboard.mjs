// Opens each mock's dashboard in Debian's Chromium and checks what a person would see:
// the journal row of a request made before, the job in the jobs table, a request made
// while the page is open appearing without a reload, the clock moving, a fault added and
// cleared, and a reset emptying the state. Run by scripts/dashboard-check.sh, which starts
// the mocks and makes the traffic; screenshots go to $SCREENSHOT_DIR.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/dashboard-check.sh)`);
  return v;
};

// Without the background-networking flags Chromium's own connections (updates, sync…)
// are refused on a loopback-only machine and it stalls; a fresh profile every run
// (Playwright takes it as the persistent context's directory, not as a flag).
const profile = mkdtempSync(join(tmpdir(), "dash-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: env("CHROMIUM"),
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

const TIMEOUT = 10_000;

// A row of the journal table whose text contains `text`.
const journalRow = (page, text) => page.locator("#journal tbody tr", { hasText: text });

async function openDashboard(base) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // Anything but this origin would be an external asset.
  page.on("request", (r) => {
    if (!r.url().startsWith(base)) errors.push(`external request: ${r.url()}`);
  });
  await page.goto(`${base}/__admin`); // the redirect to /__admin/ included
  assert.equal(new URL(page.url()).pathname, "/__admin/");
  // A marker that a reload would wipe: "live" means it survives.
  await page.evaluate(() => { window.__noReload = true; });
  return { page, errors };
}

async function expectNoReload(page) {
  assert.equal(await page.evaluate(() => window.__noReload), true, "the page reloaded");
}

// The clock shown, as a Date.
async function shownClock(page) {
  const text = await page.locator("#clock").textContent();
  const t = Date.parse(text.split(" ")[0]);
  assert.ok(!Number.isNaN(t), `clock text: ${text}`);
  return t;
}

async function advanceClock(page, secs) {
  await page.locator("#clock").filter({ hasNotText: "…" }).waitFor({ timeout: TIMEOUT });
  const before = await shownClock(page);
  await page.fill("#advance-secs", String(secs));
  await page.click("#advance");
  await page.waitForFunction(
    ([b, s]) => Date.parse(document.getElementById("clock").textContent.split(" ")[0]) >= b + s * 1000,
    [before, secs],
    { timeout: TIMEOUT },
  );
  const after = await shownClock(page);
  assert.ok(after - before >= secs * 1000, `clock ${before} -> ${after}`);
}

async function addAndClearFault(page, screenshot) {
  await page.fill("#fault-path", "/dashboard-check/fault");
  await page.fill("#fault-status", "503");
  await page.fill("#fault-times", "");
  await page.click("#fault-add");
  await page.locator("#fault-list", { hasText: "/dashboard-check/fault" }).waitFor({ timeout: TIMEOUT });
  // The picture for the README: state, journal and a fault in force.
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.click("#fault-clear");
  await page.locator("#faults .empty").waitFor({ timeout: TIMEOUT });
}

async function resetAndSeeEmpty(page, tables) {
  await page.click("#reset");
  for (const id of tables) {
    // A table with nothing in it renders as "none" right after its heading.
    await page.waitForFunction(
      (id) => !document.getElementById(id),
      id,
      { timeout: TIMEOUT },
    );
  }
  await page.waitForFunction(
    () => document.querySelector("#journal tbody").rows.length === 0,
    null,
    { timeout: TIMEOUT },
  );
}

async function checkEngee() {
  const base = env("ENGEE_URL");
  const job = env("ENGEE_JOB");
  const { page, errors } = await openDashboard(base);
  await page.locator("#title", { hasText: "engee-mock" }).waitFor({ timeout: TIMEOUT });
  // The eval made by the script, in the journal with its body.
  await journalRow(page, "/external/command/eval").filter({ hasText: "3 + 5" })
    .waitFor({ timeout: TIMEOUT });
  // A hostile request body is text in its cell, not an element.
  await journalRow(page, "<img id=injected").waitFor({ timeout: TIMEOUT });
  assert.equal(await page.locator("#injected").count(), 0, "request body became markup");
  // The uploaded file in the /user tree; the running server and the sleeping job.
  await page.locator("#files", { hasText: "/user/data/points.csv" }).waitFor({ timeout: TIMEOUT });
  await page.locator("#live-servers", { hasText: "running" }).waitFor({ timeout: TIMEOUT });
  await page.locator("#live-jobs tr", { hasText: job }).filter({ hasText: "IN_PROGRESS" })
    .waitFor({ timeout: TIMEOUT });
  // A request made now appears without a reload.
  const r = await fetch(`${base}/account/api/engee/info`, {
    headers: { Authorization: "Bearer demo-pat", "X-Dashboard-Check": "live" },
  });
  assert.equal(r.status, 200);
  await journalRow(page, "/account/api/engee/info").waitFor({ timeout: TIMEOUT });
  await expectNoReload(page);
  // The job sleeps 60 s on the mock clock: two minutes later it is done, with its result
  // (not much later: past the server's inactivity timeout the stop may come first).
  await advanceClock(page, 120);
  await page.locator("#live-jobs tr", { hasText: job }).filter({ hasText: "DONE" })
    .filter({ hasText: "42" }).waitFor({ timeout: TIMEOUT });
  await addAndClearFault(page, join(env("SCREENSHOT_DIR"), "dashboard-engee.png"));
  await resetAndSeeEmpty(page, ["live-jobs", "live-servers", "jobs", "servers", "files"]);
  await expectNoReload(page);
  assert.deepEqual(errors, []);
  await page.close();
}

async function checkLinkis() {
  const base = env("LINKIS_URL");
  const exec = env("LINKIS_EXEC");
  const { page, errors } = await openDashboard(base);
  await page.locator("#title", { hasText: "linkis-mock" }).waitFor({ timeout: TIMEOUT });
  await journalRow(page, "/api/rest_j/v1/entrance/submit").filter({ hasText: "employees" })
    .waitFor({ timeout: TIMEOUT });
  await page.locator("#live-sessions", { hasText: "hadoop" }).waitFor({ timeout: TIMEOUT });
  await page.locator("#live-jobs tr", { hasText: exec }).waitFor({ timeout: TIMEOUT });
  // A request made now (the job's status, as a client polls it) appears without a reload.
  const r = await fetch(`${base}/api/rest_j/v1/entrance/${exec}/status`, {
    headers: { "Token-Code": "LINKIS-AUTH", "Token-User": "hadoop" },
  });
  assert.equal(r.status, 200);
  await journalRow(page, `/entrance/${exec}/status`).waitFor({ timeout: TIMEOUT });
  await expectNoReload(page);
  // However long its plan, an hour later the job is over: Succeed, progress 1, a log.
  await advanceClock(page, 3600);
  await page.locator("#live-jobs tr", { hasText: exec }).filter({ hasText: "Succeed" })
    .waitFor({ timeout: TIMEOUT });
  await addAndClearFault(page, join(env("SCREENSHOT_DIR"), "dashboard-linkis.png"));
  await resetAndSeeEmpty(page, ["live-jobs", "live-sessions", "jobs"]);
  await expectNoReload(page);
  assert.deepEqual(errors, []);
  await page.close();
}

// With an admin token in force: the page is opened once with ?token=, which it moves to
// sessionStorage (out of the address bar) and sends as X-Admin-Token from then on.
async function checkToken() {
  const base = env("TOKEN_URL");
  const token = env("ADMIN_TOKEN");
  const page = await browser.newPage();
  const refused = await page.goto(`${base}/__admin/`);
  assert.equal(refused.status(), 401, "no token, no page");
  await page.goto(`${base}/__admin/?token=${encodeURIComponent(token)}`);
  await page.locator("#title", { hasText: "engee-mock" }).waitFor({ timeout: TIMEOUT });
  assert.equal(new URL(page.url()).search, "", "the token left the address bar");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("mock-admin-token")), token);
  await page.locator("#users", { hasText: "demo" }).waitFor({ timeout: TIMEOUT });
  await advanceClock(page, 60);
  assert.equal(await page.locator("#status").textContent(), "clock advanced");
  await page.close();
}

try {
  await checkToken();
  console.log("ok: the dashboard with an admin token");
  await checkEngee();
  console.log("ok: engee-mock dashboard");
  await checkLinkis();
  console.log("ok: linkis-mock dashboard");
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
