// What a page looks like, beyond what it says: the chart legend's swatches stay small, no page
// moves under the reader while it loads and hydrates (cumulative layout shift, measured in the
// browser with a PerformanceObserver, at most 0.1, the "good" threshold of Core Web Vitals), and
// on a phone no page is wider than the screen (tables and the navigation row scroll in their box).
import { expect, test, type Page } from "@playwright/test";
import { openHydrated, signIn } from "../support/actions";
import { demo, type DemoLogin } from "../support/demo";
import { sql } from "../support/server";

const GOOD_CLS = 0.1;
const MAX_SWATCH_PX = 24;
const PHONE_WIDTH = 390;

/** Sums every layout shift not caused by the reader's own input, from the first paint on. */
async function watchLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __cls: number };
    w.__cls = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) w.__cls += entry.value;
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
}

async function layoutShift(page: Page): Promise<number> {
  // Late shifts (a resource that resolves after hydration) land within a few frames.
  await page.waitForTimeout(500);
  return page.evaluate(() => (window as unknown as { __cls: number }).__cls);
}

function northwindMarket(name: string): string {
  const [id] = sql(
    "SELECT m.id FROM markets m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'northwind-cinemas' AND m.name = :'name'",
    { name },
  );
  return id;
}

const pages: { who: DemoLogin; paths: () => string[] }[] = [
  {
    who: demo.analyst,
    paths: () => {
      const market = northwindMarket("City Centre");
      const [competitor] = sql("SELECT id FROM competitors WHERE market_id = :'market' ORDER BY name LIMIT 1", { market });
      return ["/", "/markets", `/markets/${market}`, `/markets/${market}/competitors/${competitor}`, "/alerts", "/account"];
    },
  },
  { who: demo.admin, paths: () => ["/settings/users", "/settings/audit"] },
  { who: demo.superAdmin, paths: () => ["/admin", "/admin/audit"] },
];

for (const { who, paths } of pages) {
  test(`the ${who.role}'s pages stay put while they load (layout shift ≤ ${GOOD_CLS})`, async ({ browser }) => {
    test.slow();
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, who.email, who.password);
    await expect(page).toHaveURL("/");
    await watchLayoutShifts(page);
    for (const path of paths()) {
      await openHydrated(page, path);
      const shift = await layoutShift(page);
      expect(shift, `${path}: cumulative layout shift`).toBeLessThanOrEqual(GOOD_CLS);
    }
    await context.close();
  });
}

for (const { who, paths } of pages) {
  test(`on a phone (390 px) the ${who.role}'s pages never scroll sideways`, async ({ browser }) => {
    test.slow();
    // Not `isMobile`: a mobile browser widens its layout viewport to fit a page that is too wide,
    // which would hide the very overflow this looks for.
    const context = await browser.newContext({ viewport: { width: PHONE_WIDTH, height: 844 } });
    const page = await context.newPage();
    await signIn(page, who.email, who.password);
    await expect(page).toHaveURL("/");
    for (const path of paths()) {
      await openHydrated(page, path);
      const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
        const sticking = [...document.querySelectorAll("body *")]
          .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
          .filter((element) => !element.closest(".table, .sidenav"))
          .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest: sticking.slice(0, 5) };
      });
      expect(innerWidth).toBe(PHONE_WIDTH);
      expect(scrollWidth, `${path}: page width (past the edge: ${widest.join(", ")})`).toBeLessThanOrEqual(PHONE_WIDTH);
    }
    await context.close();
  });
}

test("the trend chart's legend shows small swatches beside the names", async ({ page }) => {
  const market = northwindMarket("City Centre");
  await signIn(page, demo.viewer.email, demo.viewer.password, `/login?next=/markets/${market}`);
  await openHydrated(page, `/markets/${market}`);
  const swatches = page.locator(".legend .swatch");
  expect(await swatches.count()).toBeGreaterThan(1);
  for (const swatch of await swatches.all()) {
    const box = await swatch.boundingBox();
    expect(box, "a swatch is drawn").not.toBeNull();
    expect(box!.width).toBeLessThanOrEqual(MAX_SWATCH_PX);
    expect(box!.height).toBeLessThanOrEqual(MAX_SWATCH_PX);
  }
  // Each swatch sits on its name's line.
  const first = page.locator(".legend li").first();
  const [item, swatch] = [await first.boundingBox(), await first.locator(".swatch").boundingBox()];
  expect(swatch!.y).toBeGreaterThanOrEqual(item!.y - 1);
  expect(swatch!.y + swatch!.height).toBeLessThanOrEqual(item!.y + item!.height + 1);
});
