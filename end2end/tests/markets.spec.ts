import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "../support/actions";
import { demo } from "../support/demo";
import { freshOrganisation, marketWithPrices, northwindMarketWithPrices } from "../support/fixtures";
import { callServerFn, sql } from "../support/server";

// Tests that record prices or change a setting work in a market or an organisation of their own
// (support/fixtures.ts); the demo's markets are only read.

/** The id of a demo market of Northwind Cinemas, read as the database owner. */
function northwindMarket(name: string): string {
  const [id] = sql(
    "SELECT m.id FROM markets m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'northwind-cinemas' AND m.name = :'name'",
    { name },
  );
  return id;
}

test("an analyst records a price and the analysis and chart change", async ({ page, browser }) => {
  const { id: market, name } = await northwindMarketWithPrices(browser, "Recording");
  await signIn(page, demo.analyst.email, demo.analyst.password, `/login?next=/markets`);
  await expect(page.getByTestId("markets").getByRole("link", { name })).toBeVisible();
  await openHydrated(page, `/markets/${market}`);
  const count = Number(await page.getByTestId("stat-count").innerText());
  const chartBefore = await page.getByTestId("trend-chart").innerHTML();

  const form = page.getByTestId("record-form");
  await form.getByLabel("Price").fill("99.5");
  await form.getByRole("button", { name: "Record price" }).click();
  await expect(page.getByTestId("recorded")).toBeVisible();
  await expect(page.getByTestId("stat-count")).toHaveText(String(count + 1));
  await expect.poll(() => page.getByTestId("trend-chart").innerHTML()).not.toBe(chartBefore);
  await expect(page.getByTestId("observations").locator("tbody tr").first()).toContainText("99.50 EUR");

  // A wrong price is explained beside the field and stores nothing.
  await form.getByLabel("Price").fill("-3");
  await form.getByRole("button", { name: "Record price" }).click();
  await expect(page.locator("#price-error")).toContainText("Enter a price above 0");
  await expect(page.getByTestId("stat-count")).toHaveText(String(count + 1));
});

test("a viewer sees no edit controls and a direct call is refused", async ({ page }) => {
  const market = northwindMarket("City Centre");
  await signIn(page, demo.viewer.email, demo.viewer.password, `/login?next=/markets/${market}`);
  await openHydrated(page, `/markets/${market}`);
  await expect(page.getByTestId("market-stats")).toBeVisible();
  await expect(page.getByTestId("trend-chart")).toBeVisible();
  await expect(page.getByTestId("record-form")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Add a competitor" })).toHaveCount(0);

  const competitor = sql("SELECT id FROM competitors WHERE market_id = :'market' LIMIT 1", { market })[0];
  const product = sql("SELECT id FROM products WHERE market_id = :'market' LIMIT 1", { market })[0];
  const refused = await callServerFn(page, "record_observation", {
    market_id: market,
    competitor_id: competitor,
    product_id: product,
    price: "1",
    currency: "EUR",
    observed_at: "",
    source: "",
    is_promotion: "false",
    promotion_details: "",
  });
  expect(refused.status).toBe(403);

  // A competitor's own page shows their latest prices and history.
  await page.getByTestId("competitors").getByRole("link").first().click();
  await expect(page.getByTestId("competitor-name")).toBeVisible();
  await expect(page.getByTestId("latest-prices").locator("tbody tr")).toHaveCount(6);
  await expect(page.getByTestId("observations").locator("tbody tr").first()).toBeVisible();
});

test("an admin changes the threshold and the next qualifying price raises an alert", async ({ browser }) => {
  // The threshold is the organisation's: this test has one of its own.
  const { admin: page } = await freshOrganisation(browser);
  const { id: market } = await marketWithPrices(page, "Thresholds");
  await openHydrated(page, "/alerts");
  await page.getByLabel("Alert when a price moves by at least (%)").fill("12.5");
  await page.getByRole("button", { name: "Save threshold" }).click();
  await expect(page.getByTestId("threshold")).toContainText("12.50 %");

  // Double the latest price of the form's first competitor and product: well past 12.5 %.
  const [latest] = sql(
    `SELECT o.price FROM price_observations o
     WHERE o.competitor_id = (SELECT id FROM competitors WHERE market_id = :'market' AND archived_at IS NULL ORDER BY priority DESC, lower(name) LIMIT 1)
       AND o.product_id = (SELECT id FROM products WHERE market_id = :'market' ORDER BY created_at, id LIMIT 1)
     ORDER BY o.observed_at DESC, o.id DESC LIMIT 1`,
    { market },
  );
  const price = (Number(latest) * 2).toFixed(2);
  await openHydrated(page, `/markets/${market}`);
  const form = page.getByTestId("record-form");
  await form.getByLabel("Price").fill(price);
  await form.getByRole("button", { name: "Record price" }).click();
  await expect(page.getByTestId("recorded")).toBeVisible();

  await openHydrated(page, "/alerts");
  const row = page.getByTestId("alerts").locator("tr", { hasText: `→ ${price}` }).first();
  await expect(row).toContainText("price up");
  await expect(row).toContainText("high");
  await expect(page.getByTestId("unread-alerts")).toBeVisible();
});

test("a member of the second organisation sees none of the first one's markets", async ({ page }) => {
  const market = northwindMarket("City Centre");
  await signIn(page, demo.harbourAdmin.email, demo.harbourAdmin.password, "/login?next=/markets");
  const list = page.getByTestId("markets");
  await expect(list.getByRole("link", { name: "Waterfront" })).toBeVisible();
  await expect(list).not.toContainText("City Centre");
  await expect(list).not.toContainText("Riverside");

  await page.goto(`/markets/${market}`);
  await expect(page.getByRole("alert")).toHaveText("We could not find what you were looking for.");
  await expect(page.getByTestId("market-name")).toHaveCount(0);
  const analysis = await callServerFn(page, "market_analysis", { market_id: market });
  expect(analysis.status).toBe(404);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("an analyst records a price with a plain form post", async ({ page, browser }) => {
    const { id: market, name } = await northwindMarketWithPrices(browser, "Plain form");
    await signIn(page, demo.analyst.email, demo.analyst.password, `/login?next=/markets/${market}`);
    await expect(page.getByTestId("market-name")).toHaveText(name);
    const form = page.getByTestId("record-form");
    await form.getByLabel("Competitor").selectOption({ index: 1 });
    await form.getByLabel("Price").fill("4321.09");
    await form.getByRole("button", { name: "Record price" }).click();
    await expect(page).toHaveURL(new RegExp(`/markets/${market}\\??$`));
    await expect(page.getByTestId("observations")).toContainText("4321.09 EUR");

    // A refused price comes back to the same page with the reason beside the field.
    await form.getByLabel("Price").fill("0");
    await form.getByRole("button", { name: "Record price" }).click();
    await expect(page.locator("#price-error")).toContainText("Enter a price above 0");
  });
});
