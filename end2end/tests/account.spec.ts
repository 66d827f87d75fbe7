import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "../support/actions";
import { collectBrowserErrors } from "../support/checks";
import { demo } from "../support/demo";

test.describe("changing the password", () => {
  test("shows each field's problem beside it, first from the browser, then from the server", async ({ page }) => {
    const errors = collectBrowserErrors(page);
    await signIn(page, demo.viewer.email, demo.viewer.password, "/login?next=/account");
    await openHydrated(page, "/account");
    const form = page.locator("form").filter({ has: page.getByLabel("New password again") });

    // Browser-side rules: nothing is sent.
    let calls = 0;
    page.on("request", (request) => {
      if (request.url().includes("/api/change_password")) calls += 1;
    });
    await form.getByLabel("Current password").fill("");
    await form.getByLabel("New password", { exact: true }).fill("short");
    await form.getByLabel("New password again").fill("different");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator("#current_password-error")).toHaveText("Enter your current password.");
    await expect(page.locator("#new_password-error")).toHaveText("Use at least 12 characters.");
    await expect(page.locator("#confirm_password-error")).toHaveText("The two new passwords differ.");
    expect(calls).toBe(0);

    // Server-side rule: the current password is checked there.
    await form.getByLabel("Current password").fill("not-my-current-password");
    await form.getByLabel("New password", { exact: true }).fill("saffron-kettle-voyage-31");
    await form.getByLabel("New password again").fill("saffron-kettle-voyage-31");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator("#current_password-error")).toHaveText("That is not your current password.");
    await expect(page.locator("#new_password-error")).toHaveText("");
    expect(calls).toBe(1);
    // The server's 422 is logged by Chromium as a failed resource load; anything else is a bug.
    expect(errors.filter((error) => !error.includes("422"))).toEqual([]);
  });
});

test("forgot password answers without saying whether the account exists", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill("nobody-here@northwind.example");
  await page.getByRole("button", { name: "Send reset link" }).click();

  await expect(page).toHaveURL("/forgot-password?sent=1");
  await expect(page.getByRole("status")).toContainText("If that email belongs to an account");
});
