// Reaching the server and the database directly, for setup and for what a person would read in
// their mailbox. Server functions are called from inside the page (so the browser sends its own
// cookie and Fetch Metadata, exactly as the app does); the database of the test run
// (scripts/test.sh exports TEST_DATABASE_URL) is read with Debian's psql. Mail is read where it
// was delivered: without SMTP_URL the server writes each message to its log (scripts/test.sh
// exports SERVER_LOG), as an inbox would receive it. The outbox keeps no live link once a mail is
// sent, so it is no place to read one from.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

/** How long mail may take to leave: the server delivers every 5 seconds. */
const MAIL_WAIT_MS = 20_000;

/**
 * The link containing `marker` in the newest email delivered to `address`. Waits until every
 * queued mail to `address` has been delivered, then reads the server log, where the Log
 * transport writes one line per message: `to="…" subject="…" body="…"` (text) or JSON.
 */
export function emailedLink(address: string, marker: string): string {
  const log = process.env.SERVER_LOG;
  if (!log) throw new Error("SERVER_LOG is not set (run through scripts/test.sh)");
  const deadline = Date.now() + MAIL_WAIT_MS;
  for (;;) {
    // psql quotes the address itself (:'address'); variables are expanded only in its input.
    const [sent, waiting] = sql(
      "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL), count(*) FILTER (WHERE sent_at IS NULL) FROM outbox_emails WHERE to_address = :'address'",
      { address },
    )[0]
      .split("|")
      .map(Number);
    if (sent > 0 && waiting === 0) break;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} was delivered within ${MAIL_WAIT_MS} ms`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
  // Colours, if any, would split `to="…"` apart.
  const lines = readFileSync(log, "utf8").replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  const quoted = JSON.stringify(address);
  const mail = lines.filter((line) => line.includes(`to=${quoted}`) || line.includes(`"to":${quoted}`)).pop();
  if (!mail) throw new Error(`no mail to ${address} in ${log}`);
  // A link ends at whitespace, a quote or the backslash of an escaped newline.
  const link = (mail.match(/https?:\/\/[^\s"\\]+/g) ?? []).find((url) => url.includes(marker));
  if (!link) throw new Error(`no ${marker} link in the mail to ${address}: ${mail}`);
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
