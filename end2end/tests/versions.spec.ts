// A model version, its run and its experiment in the browser, over the demo registry: from
// the model page to a version's page (run provenance, params, metrics, dataset, the file
// tree with digests and downloads, the stage history), on to its run, and to the
// experiment's run search with MLflow's filter language, whose errors say where they are.
import { test, expect, waitForHydration } from "./fixtures";

test("a version page shows its run, dataset, files and history", async ({ page }) => {
  await page.goto("/models/demand-forecast");
  await waitForHydration(page);
  await page.getByTestId("version-row").locator('a[href$="/versions/15"]').click();
  await expect(page).toHaveURL(/\/models\/demand-forecast\/versions\/15$/);
  await expect(page.getByTestId("version-title")).toContainText("demand-forecast v15");

  await expect(page.getByTestId("run-commit")).toHaveText(/^[0-9a-f]{40}$/);
  await expect(page.getByTestId("run-facts")).toContainText("16 vCPU");
  const params = page.getByTestId("param-list").getByTestId("param-row");
  await expect(params).toHaveCount(3);
  await expect(params.first()).toContainText("learning_rate");
  const metrics = page.getByTestId("metric-list").getByTestId("metric-row");
  await expect(metrics).toHaveCount(3);
  await expect(metrics.filter({ hasText: "auc" })).toContainText("299");
  await expect(page.getByTestId("dataset-row")).toContainText("sales-daily");

  const files = page.getByTestId("file-list").getByTestId("file-row");
  await expect(files).toHaveCount(3);
  await expect(page.getByTestId("version-digest")).toHaveText(/^sha256:[0-9a-f]{64}$/);
  const download = page.waitForEvent("download");
  await files.filter({ hasText: "requirements.txt" }).getByRole("link").click();
  const file = await download;
  const stream = await file.createReadStream();
  let body = "";
  for await (const chunk of stream) body += chunk;
  expect(body).toContain("scikit-learn==1.9.1");

  await expect(page.getByTestId("holding-row").first()).toBeVisible();

  // One chart per metric, each a drawn line, and the lineage from dataset to version.
  const charts = page.getByTestId("metric-charts");
  await expect(charts.getByTestId("chart")).toHaveCount(3);
  await expect(charts.getByTestId("chart-series")).toHaveCount(3);
  for (const path of await charts.getByTestId("chart-path").all()) {
    expect(await path.getAttribute("d")).toMatch(/^M [\d.]+ [\d.]+ L [\d.]+ [\d.]+/);
  }
  const lineage = page.getByTestId("lineage");
  const dataset = lineage.locator('[data-kind="dataset"]');
  const run = lineage.locator('[data-kind="run"]');
  const versionNode = lineage.locator('[data-kind="version"]');
  await expect(dataset).toHaveCount(1);
  await expect(run).toHaveAttribute("href", /\/runs\/[0-9a-f]{32}$/);
  await expect(versionNode).toHaveAttribute("href", /\/models\/demand-forecast\/versions\/15$/);
  const runId = await run.getAttribute("data-id");
  const datasetId = await dataset.getAttribute("data-id");
  await expect(
    lineage.locator(`[data-testid="lineage-edge"][data-from="${datasetId}"][data-to="${runId}"]`),
  ).toHaveCount(1);

  await page.getByTestId("version-run").getByRole("link").click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{32}$/);
  await expect(page.getByTestId("run-title")).toHaveText("Run demand-forecast-train-15");
  await waitForHydration(page);
  await expect(page.getByTestId("param-row")).toHaveCount(3);
});

test("a model page charts a metric across its versions with the Production holders marked", async ({
  page,
}) => {
  await page.goto("/models/demand-forecast");
  await waitForHydration(page);
  const chart = page.getByTestId("chart").first();
  await expect(chart.getByTestId("chart-series")).toHaveCount(1);
  await expect(chart.getByTestId("chart-marker")).toHaveCount(15);
  expect(await chart.locator("circle.marker.highlight").count()).toBeGreaterThan(0);
  await expect(page.getByTestId("holder-timeline").getByTestId("timeline-bar").first()).toBeVisible();
  await page.getByRole("link", { name: "loss", exact: true }).click();
  await expect(page).toHaveURL(/metric=loss/);
  await expect(page.getByRole("heading", { name: "loss across versions" })).toBeVisible();
});

test("an experiment's runs are searched with MLflow's filter language", async ({
  page,
  errorWatch,
}) => {
  await page.goto("/experiments");
  await waitForHydration(page);
  await page
    .getByTestId("experiment-row")
    .getByRole("link", { name: "fraud-detector", exact: true })
    .click();
  await expect(page.getByTestId("experiment-name")).toHaveText("fraud-detector");
  const rows = page.getByTestId("run-list").getByTestId("run-row");
  await expect(rows).toHaveCount(12);

  await page.getByLabel("Filter").fill("params.learning_rate = '0.01'");
  await page.getByLabel("Order by").fill("metrics.auc DESC");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/filter=params\.learning_rate/);
  await expect(rows).toHaveCount(3);
  for (const row of await rows.all()) await expect(row).toContainText("0.01");

  // The refused filter is the page's own 400, which it explains.
  errorWatch.expectRefusal(new URL(page.url()).pathname);
  await page.getByLabel("Filter").fill("metrics.auc >> 1");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("error")).toContainText(/at position \d+/);
});

test("version and run pages read without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto("/models/demand-forecast/versions/3");
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId("param-row")).toHaveCount(3);
  await expect(page.getByTestId("file-row")).toHaveCount(3);
  await expect(page.getByTestId("chart-path")).toHaveCount(3);
  await expect(page.getByTestId("lineage-node").first()).toBeVisible();
  await page.goto("/experiments");
  await page.getByRole("link", { name: "churn-predictor", exact: true }).click();
  await expect(page.getByTestId("run-row")).toHaveCount(8);
  await context.close();
});
