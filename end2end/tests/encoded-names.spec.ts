import { test, expect, waitForHydration } from "./fixtures";

// Model names may hold spaces, '#', '?', '%', '+' and non-ASCII; every link must
// percent-encode them and the page must show exactly that model. `a%2Bb` is the name a
// second decoding would turn into `a+b` (its link loads from the server, see
// app/src/routes.rs), and `a+b` exists beside it so that mistake shows the wrong model.
const MODELS = [
  { name: "fraud #2 ü?x", path: "/models/fraud%20%232%20%C3%BC%3Fx" },
  { name: "a%2Bb", path: "/models/a%252Bb" },
  { name: "a+b", path: "/models/a%2Bb" },
];

// The demo registry does not have these names: create them through the MLflow REST API
// the same server serves (anonymous writes are allowed by default). A second run against
// the same data finds them there already.
test.beforeAll(async ({ request }) => {
  for (const { name } of MODELS) {
    const r = await request.post("/api/2.0/mlflow/registered-models/create", {
      data: { name },
    });
    if (r.status() !== 200) {
      expect((await r.json()).error_code, `create ${name}`).toBe("RESOURCE_ALREADY_EXISTS");
    }
  }
});

for (const { name, path } of MODELS) {
  test(`the link to "${name}" leads to that model's page`, async ({ page }) => {
    await page.goto("/models");
    await waitForHydration(page);

    const link = page
      .getByTestId("model-list")
      .getByRole("link", { name, exact: true });
    const href = await link.getAttribute("href");
    // In-page navigation loads the model through its server function's stable URL; a
    // link with an encoded '%' is a full page load instead (see app/src/routes.rs).
    const serverFn = path.includes("%25")
      ? null
      : page.waitForResponse((r) => new URL(r.url()).pathname === "/_app/models/get");
    await link.click();
    if (serverFn) expect((await serverFn).status()).toBe(200);

    await expect(page.getByTestId("model-name")).toHaveText(name);
    await expect(page.getByTestId("error")).toHaveCount(0);
    await expect(page).toHaveURL((url) => url.pathname === path);
    expect(href, "the link percent-encodes the name").toBe(path);
    await waitForHydration(page);

    // The address bar holds the model's own address: reloading it shows the same model.
    const response = await page.reload();
    expect(response?.status()).toBe(200);
    await waitForHydration(page);
    await expect(page).toHaveURL((url) => url.pathname === path);
    await expect(page.getByTestId("model-name")).toHaveText(name);

    // And back returns to the list.
    await page.goBack();
    await expect(page.getByTestId("model-list")).toBeVisible();
  });
}
