import { expect, test } from "@playwright/test";
import { openHydrated, signIn, signOut } from "../support/actions";
import { collectBrowserErrors } from "../support/checks";
import { demo } from "../support/demo";
import { identity, mainHeading } from "../support/finders";

test.describe("signing in and out", () => {
  for (const login of Object.values(demo)) {
    test(`${login.role} of ${login.organisation} sees their name, organisation and role, then signs out`, async ({ page }) => {
      const errors = collectBrowserErrors(page);

      await signIn(page, login.email, login.password);

      await expect(page).toHaveURL("/");
      await expect(identity(page).getByTestId("identity-name")).toHaveText(login.name);
      await expect(identity(page).getByTestId("identity-role")).toHaveText(login.role);
      await expect(identity(page).getByTestId("identity-organisation")).toHaveText(login.organisation);

      await signOut(page);

      await expect(page).toHaveURL(/\/login\?signed_out=1$/);
      await expect(page.getByRole("status")).toHaveText("You have signed out.");
      await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
      expect(errors).toEqual([]);
    });
  }

  test("a wrong password shows a message that does not say which part was wrong", async ({ page }) => {
    await signIn(page, demo.analyst.email, "definitely-not-it-2026");

    await expect(page).toHaveURL(/\/login\?error=credentials/);
    await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  });

  test("a page that needs a login sends you to sign in and back", async ({ page }) => {
    await page.goto("/account");
    await expect(page).toHaveURL("/login?next=/account");

    await page.getByLabel("Email").fill(demo.viewer.email);
    await page.getByLabel("Password").fill(demo.viewer.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    await expect(page).toHaveURL("/account");
    await expect(page.getByTestId("account-role")).toHaveText("viewer");
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login form works before hydration", async ({ page }) => {
    await signIn(page, demo.analyst.email, demo.analyst.password);

    await expect(page).toHaveURL("/");
    await expect(identity(page).getByTestId("identity-name")).toHaveText(demo.analyst.name);
  });
});

test("ending a session from another browser signs that browser out", async ({ browser }) => {
  const marker = `e2e-other-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const mine = await browser.newContext();
  const other = await browser.newContext({ userAgent: marker });
  const page = await mine.newPage();
  const otherPage = await other.newPage();

  await signIn(otherPage, demo.admin.email, demo.admin.password);
  await expect(identity(otherPage)).toBeVisible();
  await signIn(page, demo.admin.email, demo.admin.password, "/login?next=/account");
  await expect(page).toHaveURL("/account");
  await openHydrated(page, "/account");

  const row = page.getByTestId("sessions").getByRole("row").filter({ hasText: marker });
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "End session" }).click();
  await expect(row).toHaveCount(0);

  await otherPage.goto("/account");
  await expect(otherPage).toHaveURL("/login?next=/account");
  await expect(mainHeading(otherPage)).toHaveText("Sign in to MarketEdge");
  await mine.close();
  await other.close();
});
