// The review queue in the browser: a contributor asks (over the MLflow API, with a
// token) for a demo model's version to go to Production; signing in through the page,
// the requester finds it under "Mine" with no Approve button and the reason, and an
// approver finds it under "Awaiting me", approves it, and the model page then shows the
// version in Production holding `champion`. Users, the grant and the token are made with
// the `pedigree` CLI on the served data directory (scripts/e2e.sh names both).
import { test, expect, pedigree, signIn, waitForHydration } from "./fixtures";

const PASSWORD = "a sturdy passphrase for reviews";
// A demo model no team owns and no required check guards, so any contributor may ask.
const MODEL = "search-ranker";
// Unique per run, so the spec can run again against the same server.
const SUFFIX = Date.now().toString(36);
const REQUESTER = `priya-${SUFFIX}`;
const APPROVER = `quentin-${SUFFIX}`;



test.describe.configure({ mode: "serial" });

let requestId = "";
let version = "";

test.beforeAll(async ({ request }) => {
  pedigree(["user", "add", REQUESTER, "--password-stdin"], `${PASSWORD}\n`);
  pedigree(["user", "add", APPROVER, "--password-stdin"], `${PASSWORD}\n`);
  pedigree(["grant", "approver", "--user", APPROVER]);
  const token = pedigree(["token", "create", "--user", REQUESTER]).trim();
  const auth = { Authorization: `Bearer ${token}` };

  // The newest version of the model that is not in Production.
  const filter = encodeURIComponent(`name='${MODEL}'`);
  const found = await request.get(
    `/api/2.0/mlflow/model-versions/search?filter=${filter}&max_results=100`,
    { headers: auth },
  );
  expect(found.ok()).toBeTruthy();
  const versions: { version: string; current_stage: string }[] = (await found.json())
    .model_versions;
  const candidate = versions
    .filter((v) => v.current_stage !== "Production")
    .sort((a, b) => Number(b.version) - Number(a.version))[0];
  expect(candidate, "a version not in Production").toBeTruthy();
  version = candidate.version;

  const created = await request.post("/api/2.0/mlflow/transition-requests/create", {
    headers: auth,
    data: {
      name: MODEL,
      version,
      stage: "Production",
      archive_existing_versions: true,
      comment: "Retrained; better AUC",
    },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  requestId = (await created.json()).request.id;
});

test("a wrong password is refused on the sign-in page", async ({ page }) => {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("User name").fill(REQUESTER);
  await page.getByLabel("Password").fill("not the passphrase at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Invalid credentials");
  await expect(page.getByTestId("session-user")).toHaveText("anonymous");
});

test("the requester sees their request under Mine, the reason and no Approve button", async ({
  page,
}) => {
  await signIn(page, REQUESTER, PASSWORD);
  await expect(page.getByTestId("session-role")).toHaveText("contributor");

  await page.goto("/reviews?tab=mine");
  await waitForHydration(page);
  await expect(page.getByTestId("tab-mine")).toHaveAttribute("aria-current", "page");
  const row = page
    .getByTestId("review-row")
    .filter({ has: page.locator(`a[href="/reviews/${requestId}"]`) });
  await expect(row).toHaveCount(1);
  await row.getByRole("link", { name: `#${requestId}` }).click();
  await expect(page).toHaveURL(new RegExp(`/reviews/${requestId}$`));

  await expect(page.getByTestId("review-title")).toContainText(`${MODEL} v${version} to Production`);
  await expect(page.getByTestId("cannot-decide")).toHaveText(
    "You requested this transition; a second person must approve it.",
  );
  await expect(page.getByTestId("approve")).toHaveCount(0);
  await expect(page.getByTestId("reject")).toHaveCount(0);

  // The requester may still discuss it.
  await page.getByLabel("Add a comment").fill("Evaluated on the new quarter's holdout");
  await page.getByRole("button", { name: "Comment" }).click();
  await expect(page.getByTestId("comment").last()).toContainText(
    "Evaluated on the new quarter's holdout",
  );

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByTestId("session-user")).toHaveText("anonymous");
});

test("an approver finds it under Awaiting me, approves it, and champion moves", async ({
  page,
  browser,
}) => {
  // Someone else is watching the model page and the request page: both update without a
  // reload when the approval lands (the live feed).
  const watcher = await browser.newContext();
  const modelPage = await watcher.newPage();
  await modelPage.goto(`/models/${MODEL}`);
  await waitForHydration(modelPage);
  const requestPage = await watcher.newPage();
  await requestPage.goto(`/reviews/${requestId}`);
  await waitForHydration(requestPage);
  await expect(requestPage.getByTestId("review-status")).toHaveText("open");
  const watched = modelPage.locator(`[data-testid="version-row"][data-version="${version}"]`);
  await expect(watched.getByTestId("stage")).not.toHaveText("Production");

  await signIn(page, APPROVER, PASSWORD);
  await expect(page.getByTestId("session-role")).toHaveText("approver");
  await expect(page.getByTestId("awaiting-count")).toHaveText(/^\s*[1-9]\d*\s*$/);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Reviews/ }).click();
  await expect(page).toHaveURL(/\/reviews$/);
  await expect(page.getByTestId("tab-awaiting")).toHaveAttribute("aria-current", "page");
  const row = page
    .getByTestId("review-row")
    .filter({ has: page.locator(`a[href="/reviews/${requestId}"]`) });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("review-approvals")).toHaveText("0 / 1");
  await row.getByRole("link", { name: `#${requestId}` }).click();
  await expect(page).toHaveURL(new RegExp(`/reviews/${requestId}$`));

  await expect(page.getByTestId("review-digest")).toHaveText(/^[0-9a-f]{64}$/);
  await expect(page.getByTestId("param-compare")).toBeVisible();
  await expect(page.getByTestId("metric-compare")).toBeVisible();
  await expect(page.getByTestId("cannot-decide")).toHaveCount(0);
  await page.getByRole("button", { name: "Approve" }).click();

  await expect(page.getByTestId("review-applied")).toContainText(
    `Applied: v${version} is now in Production.`,
  );
  await expect(page.getByTestId("review-status")).toHaveText("applied");
  await expect(page.getByTestId("approve")).toHaveCount(0);

  await page.getByRole("link", { name: MODEL, exact: true }).click();
  await expect(page.getByTestId("model-name")).toHaveText(MODEL);
  const candidate = page.locator(`[data-testid="version-row"][data-version="${version}"]`);
  await expect(candidate.getByTestId("stage")).toHaveText("Production");
  await expect(candidate.getByTestId("alias").filter({ hasText: "@champion" })).toBeVisible();
  const production = page
    .getByTestId("version-row")
    .filter({ has: page.getByTestId("stage").filter({ hasText: /^\s*Production\s*$/ }) });
  await expect(production).toHaveCount(1);
  await expect(page.getByTestId("alias").filter({ hasText: "@champion" })).toHaveCount(1);

  // The watcher's pages, never reloaded, show the outcome.
  await expect(requestPage.getByTestId("review-status")).toHaveText("applied");
  await expect(watched.getByTestId("stage")).toHaveText("Production");
  await expect(watched.getByTestId("alias").filter({ hasText: "@champion" })).toBeVisible();
  await watcher.close();
});
