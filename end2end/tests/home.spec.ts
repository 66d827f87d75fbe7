import { expect, test } from "@playwright/test";
import { openHydrated } from "../support/actions";
import { collectBrowserErrors } from "../support/checks";
import { mainHeading, statusButton, statusResult } from "../support/finders";

test.describe("home page", () => {
  test("hydrates, then the status button calls the server and shows its answer", async ({ page }) => {
    const errors = collectBrowserErrors(page);
    const calls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/platform_status")) calls.push(request.method());
    });

    await openHydrated(page, "/");
    await expect(statusButton(page)).toBeEnabled();
    await statusButton(page).click();

    await expect(page.getByText("The live check needs JavaScript")).toBeHidden();
    await expect(statusResult(page).getByTestId("database-health")).toHaveText("Database: up");
    await expect(statusResult(page)).toContainText("Schema migrations applied");
    expect(calls).toEqual(["POST"]);
    expect(errors).toEqual([]);
  });

  test("the status button is inert until the page has hydrated", async ({ page }) => {
    // Hold the hydration bundle back: the server-rendered button must be disabled meanwhile.
    await page.route("**/pkg/*.wasm", () => {
      /* never answered during this test */
    });

    await page.goto("/");

    await expect(mainHeading(page)).toBeVisible();
    await expect(statusButton(page)).toBeDisabled();
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  });

  test("unknown addresses show a page that leads back", async ({ page }) => {
    const response = await page.goto("/no/such/page");

    expect(response?.status()).toBe(404);
    await expect(mainHeading(page)).toHaveText("Page not found");
    await page.getByRole("link", { name: "Go to the overview" }).click();
    await expect(mainHeading(page)).toContainText("Know your market");
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the home page is readable and says what needs JavaScript", async ({ page }) => {
    await page.goto("/");

    await expect(mainHeading(page)).toContainText("Know your market");
    await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Overview");
    await expect(page.getByRole("heading", { name: "Observations" })).toBeVisible();
    await expect(statusButton(page)).toBeDisabled();
    await expect(page.getByText("The live check needs JavaScript")).toBeVisible();
  });
});
