// The audit trail in the browser, as a manager (a viewer made with the `pedigree` CLI on
// the served demo data directory; scripts/e2e.sh names both). A contributor first tags a
// demo model forty times over the MLflow API, so its history is longer than one page of
// 50. Filtering by that model with
// the page's form keeps only that model's events and puts the filter in the address,
// "Older →" pages back with the same filter, the CSV download holds the filtered rows,
// the chain check says the chain holds, and without JavaScript the table is still there.
import { readFileSync } from "node:fs";
import { test, expect, pedigree, signIn, waitForHydration } from "./fixtures";
import type { Page } from "@playwright/test";

const PASSWORD = "a sturdy passphrase for audits";
// A demo model no team owns; the spec's tags give it more than one page of events.
const MODEL = "search-ranker";
const SUFFIX = Date.now().toString(36);
const MANAGER = `marta-${SUFFIX}`;
const WRITER = `walt-${SUFFIX}`;



// Every subject on the page belongs to the model (its own, its aliases' or its versions').
async function expectOnlyModel(page: Page) {
  const subjects = await page.getByTestId("audit-subject").allTextContents();
  expect(subjects.length).toBeGreaterThan(0);
  for (const s of subjects) {
    expect(s).toMatch(new RegExp(`^(registered_model:${MODEL}(@.*)?|model_version:${MODEL}/\\d+)$`));
  }
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  pedigree(["user", "add", MANAGER, "--password-stdin"], `${PASSWORD}\n`);
  pedigree(["grant", "viewer", "--user", MANAGER]);
  pedigree(["user", "add", WRITER]);
  pedigree(["grant", "contributor", "--user", WRITER]);
  const token = pedigree(["token", "create", "--user", WRITER]).trim();
  for (let i = 0; i < 40; i++) {
    const r = await request.post("/api/2.0/mlflow/registered-models/set-tag", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name: MODEL, key: `audit-e2e-${i}`, value: SUFFIX },
    });
    expect(r.ok(), await r.text()).toBeTruthy();
  }
});

test("a manager filters by model, pages back and downloads the filtered CSV", async ({ page }) => {
  await signIn(page, MANAGER, PASSWORD);
  await page.getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByTestId("audit-row")).toHaveCount(50);

  const filters = page.getByTestId("audit-filters");
  await filters.getByLabel("Model", { exact: true }).fill(MODEL);
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`model=${MODEL}`));
  await waitForHydration(page);
  await expectOnlyModel(page);
  const firstPage = await page.getByTestId("audit-row").first().getAttribute("data-seq");

  await page.getByTestId("audit-older").getByRole("link").click();
  await expect(page).toHaveURL(/cursor=e[0-9a-f]+/);
  await expect(page).toHaveURL(new RegExp(`model=${MODEL}`));
  await expect(page.getByTestId("audit-newest")).toBeVisible();
  await expectOnlyModel(page);
  const older = await page.getByTestId("audit-row").first().getAttribute("data-seq");
  expect(Number(older)).toBeLessThan(Number(firstPage));

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-csv").click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^pedigree-audit-.*\.csv$/);
  const csv = readFileSync(await download.path(), "utf8");
  const rows = csv.trim().split("\n").slice(1);
  expect(rows.length).toBeGreaterThan(50);
  expect(csv).toContain(`registered_model.set_tag,registered_model:${MODEL},`);
  expect(csv).toContain(`audit-e2e-39`);
  expect(csv).not.toContain("registered_model:credit-risk");
});

test("the chain check says how many events hold", async ({ page }) => {
  await signIn(page, MANAGER, PASSWORD);
  await page.goto("/audit");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Verify the hash chain" }).click();
  await expect(page.getByTestId("chain-status")).toHaveText(/^Chain verified: \d+ events$/);
});

test("without JavaScript the filtered table is still served", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByLabel("User name").fill(MANAGER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("session-user")).toHaveText(MANAGER);
  await page.goto(`/audit?model=${MODEL}`);
  await expect(page.getByTestId("audit-list")).toBeVisible();
  await expectOnlyModel(page);
  await page.getByTestId("audit-older").getByRole("link").click();
  await expect(page).toHaveURL(/cursor=e[0-9a-f]+/);
  await expectOnlyModel(page);
  await context.close();
});
