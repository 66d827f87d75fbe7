// Where things are on a page, by their accessible names first.
import type { Page } from "@playwright/test";

export const statusButton = (page: Page) =>
  page.getByRole("button", { name: /check platform status|checking/i });

export const statusResult = (page: Page) => page.getByTestId("status-result");

export const mainHeading = (page: Page) => page.getByRole("heading", { level: 1 });

export const identity = (page: Page) => page.getByTestId("identity");
