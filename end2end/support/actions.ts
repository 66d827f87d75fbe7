// Things a person does in the app.
import { expect, type Page } from "@playwright/test";

/**
 * Opens a page and waits until the browser bundle has hydrated it. The debug bundle is several
 * megabytes of wasm that Chromium compiles on every page load; with two workers on two cores that
 * can take seconds, so the wait is longer than the default expectation timeout.
 */
export async function openHydrated(page: Page, path: string): Promise<void> {
  const log: string[] = [];
  const onConsole = (message: { type(): string; text(): string }) => log.push(`${message.type()}: ${message.text()}`);
  const onError = (error: Error) => log.push(`pageerror: ${error.message}`);
  page.on("console", onConsole);
  page.on("pageerror", onError);
  try {
    await page.goto(path);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  } catch (error) {
    // Say what the browser said: a hydration panic shows up here, not in the DOM.
    throw new Error(`${path} did not hydrate: ${error}\nbrowser log:\n${log.join("\n")}`);
  } finally {
    page.off("console", onConsole);
    page.off("pageerror", onError);
  }
}

/** Signs in through the login form (a plain form post: works with or without hydration). */
export async function signIn(page: Page, email: string, password: string, path = "/login"): Promise<void> {
  await page.goto(path);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
}
