// Things a person does in the app.
import { expect, type Page } from "@playwright/test";

/** Opens a page and waits until the browser bundle has hydrated it. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
