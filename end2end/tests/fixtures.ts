// Shared by every spec: the error watch and the wait for hydration.
import { execFileSync } from "node:child_process";
import { test as base, expect, type Page } from "@playwright/test";

// Every test fails on uncaught page errors and on console errors: a hydration
// mismatch leaves the page partly interactive, so checking text and clicks alone
// could pass on a broken page. 404s of favicon.ico are ignored, and so are 404s of
// URLs a test expects to be missing (see `expect404`).
type ErrorWatch = {
  errors: string[];
  expect404(pathname: string): void;
  // A request the test expects the server to refuse (a 4xx the page then explains).
  expectRefusal(pathname: string): void;
};

export const test = base.extend<{ errorWatch: ErrorWatch }>({
  errorWatch: [
    async ({ page }, use) => {
      const expected404 = new Set<string>();
      const refusals = new Set<string>();
      const watch: ErrorWatch = {
        errors: [],
        expect404: (pathname) => {
          expected404.add(pathname);
        },
        expectRefusal: (pathname) => {
          refusals.add(pathname);
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
        if (/status of 4\d\d/.test(text) && refusals.has(path)) return;
        watch.errors.push(`console.error: ${text} (${msg.location().url})`);
      });
      await use(watch);
      expect(watch.errors, "page errors and console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

// The app sets <main data-hydrated="true"> once the wasm has hydrated the page.
export async function waitForHydration(page: Page) {
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
}

// The `pedigree` CLI on the served data directory (scripts/e2e.sh names both), for specs
// that make their own users, grants and tokens.
export function pedigree(args: string[], input?: string): string {
  const bin = process.env.PEDIGREE_E2E_BIN ?? "";
  const data = process.env.PEDIGREE_E2E_DATA ?? "";
  if (!bin || !data) {
    throw new Error("PEDIGREE_E2E_BIN and PEDIGREE_E2E_DATA must name the binary and data directory");
  }
  return execFileSync(bin, [...args, "--data", data], { input, encoding: "utf8" });
}

// Signs in through the sign-in page and waits until the top bar names the user and the
// page has hydrated again.
export async function signIn(page: Page, name: string, password: string) {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("session-user")).toHaveText(name);
  await waitForHydration(page);
}
