// What a contributor and an approver do from a version's page, over the demo registry:
// the contributor's move of a protected alias is refused with the reason, an ordinary
// alias moves, a promotion is requested and lands in the review queue; the approver rolls
// demand-forecast back to a version that served before; and the compare page sets the
// champion against the challenger. Users are made with the CLI (see reviews.spec.ts).
import { test, expect, pedigree, signIn, waitForHydration } from "./fixtures";

const PASSWORD = "a sturdy passphrase for versions";
const SUFFIX = Date.now().toString(36);
const CONTRIBUTOR = `vera-${SUFFIX}`;
const APPROVER = `walt-${SUFFIX}`;



type Holding = { slot: string; version: number | string; to: unknown };

test.describe.configure({ mode: "serial" });

test.beforeAll(() => {
  pedigree(["user", "add", CONTRIBUTOR, "--password-stdin"], `${PASSWORD}\n`);
  pedigree(["user", "add", APPROVER, "--password-stdin"], `${PASSWORD}\n`);
  pedigree(["grant", "approver", "--user", APPROVER]);
});

test("a contributor is told why a protected alias will not move, moves another, and asks for review", async ({
  page,
  errorWatch,
}) => {
  errorWatch.expectRefusal("/_app/versions/alias");
  await signIn(page, CONTRIBUTOR, PASSWORD);
  await page.goto("/models/demand-forecast/versions/1");
  await waitForHydration(page);

  await page.getByLabel("Point an alias here").fill("prod-eu");
  await page.getByTestId("set-alias").click();
  await expect(page.getByTestId("error")).toContainText("prod-eu");
  await expect(page.getByTestId("error")).toContainText(/approver/);

  const alias = `try-${SUFFIX}`;
  await page.getByLabel("Point an alias here").fill(alias);
  await page.getByTestId("set-alias").click();
  await expect(page.getByTestId("alias").filter({ hasText: `@${alias}` })).toBeVisible();

  await page.getByLabel("Why (the reviewers read this)").fill("Back-test on the holiday weeks");
  await page.getByTestId("request-promotion").click();
  const opened = page.getByTestId("request-opened");
  await expect(opened).toContainText("v1 to Production");
  await opened.getByRole("link", { name: "Open the request" }).click();
  await expect(page).toHaveURL(/\/reviews\/\d+$/);
  await expect(page.getByTestId("review-title")).toContainText("demand-forecast v1 to Production");
});

test("an approver rolls demand-forecast back to a version that served before", async ({
  page,
  request,
}) => {
  const holders = await request.get("/api/pedigree/v1/models/demand-forecast/holders");
  expect(holders.ok(), await holders.text()).toBeTruthy();
  const body = await holders.json();
  const list: Holding[] = body.holdings ?? body;
  const production = list.filter((h) => h.slot === "Production");
  const current = production.find((h) => h.to === null || h.to === undefined);
  const earlier = production.find((h) => String(h.version) !== String(current?.version));
  expect(earlier, "a version that held Production before").toBeTruthy();
  const target = String(earlier!.version);

  await signIn(page, APPROVER, PASSWORD);
  await page.goto(`/models/demand-forecast/versions/${target}`);
  await waitForHydration(page);
  await page.getByTestId("rollback").click();
  await expect(page.getByTestId("version-title").getByTestId("stage")).toHaveText("Production");
  await expect(page.getByTestId("rollback")).toHaveCount(0);
  await expect(page.getByTestId("holding-row").filter({ hasText: "rollback" }).last()).toBeVisible();
});

test("the compare page sets the champion against the challenger", async ({ page }) => {
  await page.goto("/models/demand-forecast");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Compare champion and challenger" }).click();
  await expect(page.getByTestId("compare-title")).toContainText("demand-forecast");
  await expect(page.getByTestId("compare-side")).toHaveCount(2);
  const params = page.getByTestId("param-compare").getByTestId("param-row");
  await expect(params).toHaveCount(3);
  const metrics = page.getByTestId("metric-compare").getByTestId("metric-row");
  await expect(metrics).toHaveCount(3);
  await expect(metrics.filter({ hasText: "loss" }).getByTestId("metric-verdict")).toHaveText(
    /^(better|worse|)$/,
  );
});
