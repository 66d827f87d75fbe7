// Data of a test's own, so specs that change data never depend on each other's writes to the
// demo data (or on running in some order): a fresh organisation, or a fresh market with prices.
// Made the way a person would, through the app's own server functions and invitation emails.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn } from "./actions";
import { demo } from "./demo";
import { acceptInvitation, callServerFn, createOrganisation, emailedLink, unique } from "./server";

export const FIXTURE_PASSWORD = "amber-falcon-harvest-58";

/** A fresh organisation whose admin has joined, signed in on `admin`. */
export async function freshOrganisation(browser: Browser): Promise<{ id: string; name: string; admin: Page; adminEmail: string }> {
  // Two more browsers and three password hashes before the test's own steps: on two cores under
  // two workers such a test measured 30–31 s, the default budget; give it the slow budget.
  test.slow();
  const suffix = unique();
  const name = `E2E Retail ${suffix}`;
  const adminEmail = `admin-${suffix}@e2e.example`;
  const root = await (await browser.newContext()).newPage();
  await signIn(root, demo.superAdmin.email, demo.superAdmin.password);
  const id = await createOrganisation(root, name, adminEmail);
  await root.context().close();
  const admin = await (await browser.newContext()).newPage();
  await acceptInvitation(admin, emailedLink(adminEmail, "/accept-invitation"), FIXTURE_PASSWORD);
  return { id, name, admin, adminEmail };
}

/** Calls a server function that must succeed; returns its answer. */
async function ok(page: Page, name: string, fields: Record<string, string>): Promise<unknown> {
  const answer = await callServerFn(page, name, fields);
  expect(answer.status, `${name}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
}

/**
 * A market of its own, created by `admin` (signed in, on any page of the app): the industry's
 * products, two competitors, and four weekly prices of each competitor for each product, so the
 * analysis and the trend chart have something to change. Returns its id and name.
 */
export async function marketWithPrices(admin: Page, label: string): Promise<{ id: string; name: string }> {
  const name = `${label} ${unique()}`;
  const id = (await ok(admin, "create_market", { name, region: "E2E", currency: "EUR", adopt_template: "true" })) as string;
  const detail = (await ok(admin, "market_overview", { id })) as { products: { name: string }[] };
  const competitors = ["Alpha Rivals", "Beta Rivals"];
  for (const [index, competitor] of competitors.entries()) {
    await ok(admin, "save_competitor", {
      market_id: id,
      id: "",
      name: competitor,
      business_type: "",
      website: "",
      locations: "",
      priority: String(3 - index),
      market_share_pct: "",
      description: "",
    });
  }
  const day = (weeksAgo: number) => new Date(Date.now() - weeksAgo * 7 * 86_400_000).toISOString().slice(0, 10);
  const lines = ["competitor,product,price,observed_at"];
  for (const [c, competitor] of competitors.entries()) {
    for (const [p, product] of detail.products.entries()) {
      for (let week = 4; week >= 1; week--) lines.push(`${competitor},${product.name},${(10 + c + p + week / 4).toFixed(2)},${day(week)}`);
    }
  }
  const report = (await ok(admin, "import_observations", { market_id: id, csv: `${lines.join("\n")}\n`, commit: "true" })) as { rows: number; imported: boolean };
  expect(report, JSON.stringify(report)).toMatchObject({ rows: lines.length - 1, imported: true });
  return { id, name };
}

/** A market of its own in the demo's Northwind Cinemas, made by the demo admin. */
export async function northwindMarketWithPrices(browser: Browser, label: string): Promise<{ id: string; name: string }> {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, demo.admin.email, demo.admin.password);
  await expect(admin).toHaveURL("/");
  const market = await marketWithPrices(admin, label);
  await admin.context().close();
  return market;
}
