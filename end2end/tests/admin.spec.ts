import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "../support/actions";
import { demo } from "../support/demo";
import { FIXTURE_PASSWORD, freshOrganisation } from "../support/fixtures";
import { acceptInvitation, callServerFn, emailedLink, unique } from "../support/server";

const PASSWORD = FIXTURE_PASSWORD;

test("a super-admin creates an organisation and its admin joins from the emailed link", async ({ page, browser }) => {
  const suffix = unique();
  const name = `E2E Cinemas ${suffix}`;
  const email = `first-admin-${suffix}@e2e.example`;
  await signIn(page, demo.superAdmin.email, demo.superAdmin.password, "/login?next=/admin");
  await openHydrated(page, "/admin");
  await page.getByLabel("Organisation name").fill(name);
  await page.getByLabel("First admin's name").fill("Fiona First");
  await page.getByLabel("First admin's email").fill(email);
  await page.getByRole("button", { name: "Create and invite" }).click();
  await expect(page.getByTestId("created")).toContainText("Organisation created");
  await page.getByLabel("Search by name").fill(suffix);
  await expect(page.getByTestId("organisations").getByRole("link", { name })).toBeVisible();

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(emailedLink(email, "/accept-invitation"));
  await expect(invitee.getByTestId("invitation-summary")).toContainText(name);
  await acceptInvitation(invitee, emailedLink(email, "/accept-invitation"), PASSWORD);
  await expect(invitee.getByTestId("identity-role")).toHaveText("admin");
  await expect(invitee.getByTestId("identity-organisation")).toHaveText(name);
  await invitee.context().close();
});

test("an admin invites an analyst, makes them a viewer, and deactivating them signs their browser out", async ({ browser }) => {
  const { admin } = await freshOrganisation(browser);
  const analystEmail = `analyst-${unique()}@e2e.example`;
  await openHydrated(admin, "/settings/users");
  await admin.getByLabel("Email", { exact: true }).fill(analystEmail);
  await admin.getByLabel("Name", { exact: true }).fill("Andy Analyst");
  await admin.getByLabel("Role", { exact: true }).selectOption("analyst");
  await admin.getByRole("button", { name: "Send invitation" }).click();
  await expect(admin.getByText("Invitation sent.")).toBeVisible();
  await expect(admin.getByTestId("invitations").locator(`tr[data-email="${analystEmail}"]`)).toContainText("analyst");

  const analyst = await (await browser.newContext()).newPage();
  await acceptInvitation(analyst, emailedLink(analystEmail, "/accept-invitation"), PASSWORD);
  await expect(analyst.getByTestId("identity-role")).toHaveText("analyst");

  await openHydrated(admin, "/settings/users");
  const row = admin.getByTestId("members").locator(`tr[data-email="${analystEmail}"]`);
  await Promise.all([
    admin.waitForResponse((response) => response.url().includes("/api/change_member_role") && response.ok()),
    row.getByTestId("member-role").selectOption("viewer"),
  ]);
  await openHydrated(analyst, "/account");
  await expect(analyst.getByTestId("account-role")).toHaveText("viewer");

  await row.getByTestId("member-toggle").click();
  await expect(row.getByTestId("member-status")).toHaveText("deactivated");
  await analyst.goto("/account");
  await expect(analyst).toHaveURL(/\/login\?next=\/account/);
  await analyst.context().close();
  await admin.context().close();
});

test("a CSV import with errors reports them by line and invites nobody", async ({ browser }) => {
  const { admin } = await freshOrganisation(browser);
  const suffix = unique();
  await openHydrated(admin, "/settings/users");
  const csv = `email,name,role\nok-${suffix}@e2e.example,Okay Person,viewer\nbad-address,Bad Person,viewer\nrole-${suffix}@e2e.example,Wrong Role,owner\n`;
  await admin.getByLabel("…or paste its lines").fill(csv);
  await admin.getByRole("button", { name: "Check and import" }).click();
  const problems = admin.getByTestId("import-problems");
  await expect(problems).toContainText("Nothing was imported");
  await expect(problems).toContainText("Line 3: Enter an email address like name@example.com.");
  await expect(problems).toContainText("Line 4: The role must be admin, analyst or viewer.");
  await expect(admin.getByText("No open invitations.")).toBeVisible();

  await admin.getByLabel("…or paste its lines").fill(`email,name,role\nok-${suffix}@e2e.example,Okay Person,viewer\nalso-${suffix}@e2e.example,Also Person,analyst\n`);
  await admin.getByRole("button", { name: "Check and import" }).click();
  await expect(admin.getByTestId("import-done")).toHaveText("Invited 2 people.");
  await expect(admin.getByTestId("invitations").locator("tbody tr")).toHaveCount(2);
  await admin.context().close();
});

test("support access shows a banner on every page and is written to the organisation's audit log", async ({ page, browser }) => {
  const { id, name, admin } = await freshOrganisation(browser);
  await signIn(page, demo.superAdmin.email, demo.superAdmin.password);
  expect((await callServerFn(page, "organisation_members", {})).status).toBe(403);

  await openHydrated(page, `/admin/organisations/${id}`);
  await expect(page.getByTestId("organisation-name")).toHaveText(name);
  await page.getByLabel("Reason", { exact: true }).fill("E2E ticket: the import page looks wrong");
  await page.getByRole("button", { name: "Enter workspace" }).click();
  await expect(page).toHaveURL("/settings/users");
  await expect(page.getByTestId("support-banner")).toContainText(name);
  await page.goto("/account");
  await expect(page.getByTestId("support-banner")).toContainText("E2E ticket");

  // The organisation's own admin sees the visit in its audit log.
  await openHydrated(admin, "/settings/audit");
  const log = admin.getByTestId("audit-log");
  await expect(log).toContainText("support_access_started");
  await expect(log).toContainText(demo.superAdmin.email);

  await openHydrated(page, "/settings/users");
  await page.getByTestId("support-banner").getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL("/admin");
  await expect(page.getByTestId("support-banner")).toHaveCount(0);
  expect((await callServerFn(page, "organisation_members", {})).status).toBe(403);
  await admin.context().close();
});

test("an admin downloads the organisation's data as a ZIP, and the download is in its audit log", async ({ browser }) => {
  const { admin, adminEmail } = await freshOrganisation(browser);
  await openHydrated(admin, "/settings/audit");
  const [download] = await Promise.all([
    admin.waitForEvent("download"),
    admin.getByTestId("export-data").click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^marketedge-e2e-retail-.*\.zip$/);
  const bytes = readFileSync(await download.path());
  // A ZIP (local file header signature) whose directory names every file.
  expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  for (const name of ["markets.csv", "observations.csv", "alerts.csv", "audit_log.csv", "members.csv"]) {
    expect(bytes.includes(name), name).toBe(true);
  }
  await openHydrated(admin, "/settings/audit");
  const log = admin.getByTestId("audit-log");
  await expect(log).toContainText("data_exported");
  await expect(log).toContainText(adminEmail);
  await admin.context().close();
});

test("a super-admin deletes a suspended organisation in two steps, confirmed by typing its name", async ({ page, browser }) => {
  const { id, name, admin } = await freshOrganisation(browser);
  await admin.context().close();
  await signIn(page, demo.superAdmin.email, demo.superAdmin.password);
  const reason = "E2E: the customer asked for erasure";
  const suspended = await callServerFn(page, "set_organisation_status", { id, status: "suspended", reason });
  expect(suspended.status).toBe(200);

  await openHydrated(page, `/admin/organisations/${id}`);
  await page.getByLabel("Reason (recorded in the audit logs)").fill(reason);
  await page.getByTestId("request-deletion").click();
  // Step one shows what will go and offers the export before anything is deleted.
  await expect(page.getByTestId("deletion-summary")).toContainText("Members");
  await expect(page.getByTestId("export-before-deletion")).toBeVisible();

  const confirmName = page.getByLabel(/Type the organisation's name/);
  await confirmName.fill(`${name} (not quite)`);
  await page.getByTestId("confirm-deletion").click();
  await expect(page.getByText("Type the organisation's name exactly")).toBeVisible();
  expect((await callServerFn(page, "admin_organisation", { id })).status).toBe(200);

  await confirmName.fill(name);
  await page.getByTestId("confirm-deletion").click();
  await expect(page.getByTestId("organisation-deleted")).toContainText(`${name} was deleted`);
  expect((await callServerFn(page, "admin_organisation", { id })).status).toBe(404);
});
