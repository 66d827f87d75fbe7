// Assertions shared by specs.
import type { Page } from "@playwright/test";

/**
 * Collects console errors and uncaught exceptions while a test runs; the test asserts the list is
 * empty at the end, so a panic in the browser bundle fails the test even if the page looks right.
 */
export function collectBrowserErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
