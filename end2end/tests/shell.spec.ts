import { test, expect, waitForHydration } from "./fixtures";

// The request shell's page headers as the browser enforces them: a nonce CSP that still
// lets the hydration script, the wasm, the stylesheet and the server-function calls run,
// and no violation reported along the way (a violation also shows as a console error,
// which the shared error watch fails on).
test("pages hydrate and navigate under the nonce CSP without a violation", async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const response = await page.goto("/models");
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  await waitForHydration(page);

  // Client-side navigation calls a server function (POST /_app/..., same origin).
  await page.locator('a[href$="/models/demand-forecast"]').first().click();
  await expect(page).toHaveURL(/\/models\/demand-forecast$/);
  await expect(page.getByTestId("model-name")).toHaveText("demand-forecast");

  const violations = await page.evaluate(
    () => (window as unknown as { cspViolations: string[] }).cspViolations,
  );
  expect(violations).toEqual([]);
});
