import { test as base, expect, type Page } from "@playwright/test";

// Every test fails on uncaught page errors and on console errors: a hydration
// mismatch leaves the page partly interactive, so checking text and clicks alone
// could pass on a broken page. 404s of favicon.ico are ignored, and so are 404s of
// URLs a test expects to be missing (see `expect404`).
type ErrorWatch = {
  errors: string[];
  expect404(pathname: string): void;
};

const test = base.extend<{ errorWatch: ErrorWatch }>({
  errorWatch: [
    async ({ page }, use) => {
      const expected404 = new Set<string>();
      const watch: ErrorWatch = {
        errors: [],
        expect404: (pathname) => {
          expected404.add(pathname);
        },
      };
      const pathOf = (url: string) => {
        try {
          return new URL(url).pathname;
        } catch {
          return url;
        }
      };
      page.on("pageerror", (err) => {
        watch.errors.push(`pageerror: ${err.message}`);
      });
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        const text = msg.text();
        const path = pathOf(msg.location().url ?? "");
        const is404 = /status of 404/.test(text);
        if (is404 && (path.endsWith("/favicon.ico") || expected404.has(path))) return;
        watch.errors.push(`console.error: ${text} (${msg.location().url})`);
      });
      await use(watch);
      expect(watch.errors, "page errors and console errors").toEqual([]);
    },
    { auto: true },
  ],
});

// The link from the model list to the model page.
const FRAUD_DETECTOR_LINK = 'a[href$="/models/fraud-detector"]';

// The app sets <main data-hydrated="true"> once the wasm has hydrated the page.
async function waitForHydration(page: Page) {
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
}

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
    const link = rows.locator(FRAUD_DETECTOR_LINK).first();
    await expect(link).toBeVisible();
    await expect(link).toContainText("fraud-detector");
  });
}

test("a model page shows its versions, stages and aliases", async ({ page }) => {
  await page.goto("/models");
  await waitForHydration(page);

  await page
    .getByTestId("model-list")
    .getByTestId("model-row")
    .locator(FRAUD_DETECTOR_LINK)
    .first()
    .click();
  await expect(page).toHaveURL(/\/models\/fraud-detector$/);

  await expect(page.getByTestId("model-name")).toHaveText("fraud-detector");
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
