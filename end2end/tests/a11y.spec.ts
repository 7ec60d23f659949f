// Accessibility: axe on every main page of the demo registry, as an anonymous visitor. Serious and critical
// violations fail the test with their rule, the element and how to fix it; each page is
// also saved as a screenshot (test-results/screenshots/) for a person to look at.
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, waitForHydration } from "./fixtures";

const PAGES: [string, string][] = [
  ["models", "/models"],
  ["model", "/models/demand-forecast"],
  ["version", "/models/demand-forecast/versions/15"],
  ["compare", "/models/demand-forecast/compare"],
  ["experiments", "/experiments"],
  ["experiment", "/experiments/1"],
  ["reviews", "/reviews"],
  ["audit", "/audit"],
  ["sign-in", "/sign-in"],
];

for (const [name, address] of PAGES) {
  test(`${name} page has no serious accessibility violations`, async ({ page }, info) => {
    const response = await page.goto(address);
    expect(response?.status()).toBe(200);
    await waitForHydration(page);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    await page.screenshot({
      path: path.join(info.project.outputDir, "screenshots", `${name}.png`),
      fullPage: true,
    });
    expect(serious, `axe on ${address}`).toEqual([]);
  });
}
