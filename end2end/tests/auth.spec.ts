import { expect, test } from "@playwright/test";
import { openHydrated, signIn, signOut } from "../support/actions";
import { collectBrowserErrors } from "../support/checks";
import { demo } from "../support/demo";
import { identity, mainHeading } from "../support/finders";
import { acceptInvitation, createOrganisation, emailedLink, unique } from "../support/server";

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

test.describe("lockouts", () => {
  const PASSWORD = "copper-lantern-meadow-73";

  test("strangers who lock an account and an address do not lock out a browser that signed in before", async ({ browser, baseURL }) => {
    test.slow();
    const suffix = unique();
    const email = `owner-${suffix}@e2e.example`;
    // The server trusts one proxy hop (scripts/test.sh): these browsers share an office address.
    const office = `203.0.113.${Math.floor(Math.random() * 200) + 20}`;
    const headers = { "x-forwarded-for": office };

    const root = await (await browser.newContext()).newPage();
    await signIn(root, demo.superAdmin.email, demo.superAdmin.password);
    await createOrganisation(root, `E2E Lockout ${suffix}`, email);
    await root.context().close();

    const owner = await (await browser.newContext({ extraHTTPHeaders: headers })).newPage();
    await acceptInvitation(owner, emailedLink(email, "/accept-invitation"), PASSWORD);
    await signOut(owner);
    await signIn(owner, email, PASSWORD);
    await expect(owner).toHaveURL("/");
    await signOut(owner);

    // A stranger at the same address: six guesses at the owner's email, sixty at random ones.
    const stranger = await browser.newContext({ extraHTTPHeaders: headers });
    const guess = (address: string) =>
      stranger.request.post("/login", {
        form: { email: address, password: "not-the-password-at-all" },
        headers: { origin: baseURL! },
        maxRedirects: 0,
      });
    for (let n = 0; n < 6; n++) await guess(email);
    for (let n = 0; n < 60; n++) await guess(`nobody-${n}-${suffix}@e2e.example`);
    const strangerPage = await stranger.newPage();
    await signIn(strangerPage, email, PASSWORD);
    await expect(strangerPage).toHaveURL(/\/login\?error=locked/);
    await expect(strangerPage.getByRole("alert")).toBeVisible();

    // The owner's browser still signs in.
    await signIn(owner, email, PASSWORD);
    await expect(owner).toHaveURL("/");
    await expect(identity(owner).getByTestId("identity-role")).toHaveText("admin");
    await stranger.close();
    await owner.context().close();
  });
});
