// Reaching the server and the database directly, for setup and for what a person would read in
// their mailbox. Server functions are called from inside the page (so the browser sends its own
// cookie and Fetch Metadata, exactly as the app does); mail is read from the outbox table of the
// test run's database (scripts/test.sh exports TEST_DATABASE_URL) with Debian's psql.
import { execFileSync } from "node:child_process";
import { expect, type Page } from "@playwright/test";

/** Calls a server function from the current page; returns its status and JSON answer. */
export async function callServerFn(page: Page, name: string, fields: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ([name, fields]) => {
      const response = await fetch(`/api/${name}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams(fields).toString(),
      });
      return { status: response.status, body: await response.json() };
    },
    [name, fields] as const,
  );
}

/** The link of the newest email to `address` that contains `marker`. */
export function emailedLink(address: string, marker: string): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set (run through scripts/test.sh)");
  // psql quotes the address itself (:'address'); variables are expanded only in its input.
  const body = execFileSync("psql", [url, "-qtA", "-v", `address=${address}`], {
    encoding: "utf8",
    input: "SELECT body_text FROM outbox_emails WHERE to_address = :'address' ORDER BY created_at DESC, id DESC LIMIT 1;",
  });
  const link = body.split(/\s+/).find((word) => word.includes(marker));
  if (!link) throw new Error(`no ${marker} link in the mail to ${address}: ${body}`);
  return new URL(link).pathname + new URL(link).search;
}

/** Runs one query as the database owner (for test setup and lookups only); returns its rows. */
export function sql(query: string, variables: Record<string, string> = {}): string[] {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set (run through scripts/test.sh)");
  const flags = Object.entries(variables).flatMap(([name, value]) => ["-v", `${name}=${value}`]);
  const out = execFileSync("psql", [url, "-qtA", ...flags], { encoding: "utf8", input: `${query};` });
  return out.split("\n").filter((line) => line.length > 0);
}

/** A suffix that keeps names and emails of parallel tests apart. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/** Creates an organisation as the signed-in super-admin (on `page`); returns its id. */
export async function createOrganisation(page: Page, name: string, adminEmail: string): Promise<string> {
  const created = await callServerFn(page, "create_organisation", {
    name,
    industry: "retail",
    plan: "basic",
    admin_email: adminEmail,
    admin_name: "Test Admin",
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as string;
}

/** Accepts an invitation link in `page` with `password`; ends signed in on the overview. */
export async function acceptInvitation(page: Page, link: string, password: string): Promise<void> {
  await page.goto(link);
  await page.getByLabel("Choose a password").fill(password);
  await page.getByLabel("Password again").fill(password);
  await page.getByRole("button", { name: "Join and sign in" }).click();
  await expect(page).toHaveURL("/?welcome=1");
}
