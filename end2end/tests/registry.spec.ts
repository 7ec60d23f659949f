import { test, expect, waitForHydration } from "./fixtures";

// The link from the model list to the model page (a model no team owns, so an anonymous
// visitor may read it).
const DEMAND_FORECAST_LINK = 'a[href$="/models/demand-forecast"]';

for (const path of ["/", "/models"]) {
  test(`${path} lists the registered models`, async ({ page }) => {
    const response = await page.goto(path);
    expect(response?.status()).toBe(200);
    await waitForHydration(page);

    await expect(
      page.getByRole("heading", { level: 1, name: "Models", exact: true }),
    ).toBeVisible();
    const list = page.getByTestId("model-list");
    await expect(list).toBeVisible();
    const rows = list.getByTestId("model-row");
    await expect(rows.nth(2)).toBeVisible(); // at least three models
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    const link = rows.locator(DEMAND_FORECAST_LINK).first();
    await expect(link).toBeVisible();
    await expect(link).toContainText("demand-forecast");
  });
}

test("a model page shows its versions, stages and aliases", async ({ page }) => {
  await page.goto("/models");
  await waitForHydration(page);

  await page
    .getByTestId("model-list")
    .getByTestId("model-row")
    .locator(DEMAND_FORECAST_LINK)
    .first()
    .click();
  await expect(page).toHaveURL(/\/models\/demand-forecast$/);

  await expect(page.getByTestId("model-name")).toHaveText("demand-forecast");
  const versions = page.getByTestId("version-list").getByTestId("version-row");
  await expect(versions.nth(4)).toBeVisible(); // at least five versions
  expect(await versions.count()).toBeGreaterThanOrEqual(5);

  const production = versions.filter({
    has: page.getByTestId("stage").filter({ hasText: /^\s*Production\s*$/ }),
  });
  await expect(production).toHaveCount(1);

  await expect(
    page.getByTestId("alias").filter({ hasText: /champion/ }).first(),
  ).toBeVisible();
});

test("an unknown model answers 404 with an error", async ({ page, errorWatch }) => {
  const path = "/models/no-such-model";
  errorWatch.expect404(path);

  const response = await page.goto(path);
  expect(response?.status()).toBe(404);
  await waitForHydration(page);

  const error = page.getByTestId("error");
  await expect(error).toBeVisible();
  await expect(error).toContainText(/not found/i);
});
