import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "../support/actions";
import { collectBrowserErrors } from "../support/checks";
import { demo } from "../support/demo";

// Text a user controls, shaped to break out of HTML, attributes, textareas and URLs.
const hostile = `<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2"></textarea><a href="javascript:window.__pwned=3">x</a>`;

test("script-like text a client supplies is shown as text, on the server and after hydration", async ({ browser }) => {
  const marker = `Hostile-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const context = await browser.newContext({ userAgent: `${marker} ${hostile}` });
  const page = await context.newPage();
  const errors = collectBrowserErrors(page);
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  // The user agent is stored with the session and listed on the account page.
  await signIn(page, demo.analyst.email, demo.analyst.password, "/login?next=/account");
  await expect(page).toHaveURL("/account");
  const row = page.getByTestId("sessions").getByRole("row").filter({ hasText: `${marker} <script>` });
  await expect(row).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

  await openHydrated(page, "/account");
  await expect(page.getByTestId("sessions").getByRole("row").filter({ hasText: `${marker} <script>` })).toHaveCount(1);
  await expect(page.locator("img[src='x']")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  expect(errors.filter((error) => error.includes("Content Security Policy"))).toEqual([]);
  await context.close();
});

test("a hostile address in the sign-in page's query string stays inert", async ({ page }) => {
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  await openHydrated(page, `/login?next=${encodeURIComponent(hostile)}&error=${encodeURIComponent(hostile)}`);

  await expect(page.getByRole("alert")).toHaveText("Invalid request parameters. Please try again.");
  await expect(page.locator("img[src='x']")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
});
