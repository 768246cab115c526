import type { ReactElement } from "react";
import { render, screen, within } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { ApiError } from "../api/client";
import { ErrorNote } from "./Empty";
import { FormError } from "./Field";

const refusal = (resources: unknown[]) => new ApiError(409, { error: { code: "state_conflict", message: "still in use", field: "x", resources } });

/** The component on a page of organization "o" (its links need the router and the :org in the path). */
function at(path: string, element: ReactElement) {
  const router = createMemoryRouter([{ path: "/orgs/:org/*", element }], { initialEntries: [path] });
  render(<RouterProvider router={router} />);
}

test("a refusal's resources are listed under its message: services, projects and organizations linked, others named", () => {
  at("/orgs/o/env-groups/x", <ErrorNote error={refusal([
    { type: "service", id: "s1", name: "web" }, { type: "project", id: "p1", name: "shop" },
    { type: "organization", id: "o2", name: "Other" }, { type: "environment", id: "e1", name: "staging" }])} />);
  const alert = screen.getByRole("alert");
  expect(within(alert).getByText("still in use")).toBeTruthy();
  const hrefs = within(alert).getAllByRole("link").map((a) => [a.textContent, a.getAttribute("href")]);
  expect(hrefs).toEqual([["web", "/orgs/o/services/s1"], ["shop", "/orgs/o/projects/p1"], ["Other", "/orgs/o2/members#settings"]]);
  expect(within(alert).getByText("staging")).toBeTruthy();   // no page of its own: its name, not a link
  expect(within(alert).getAllByRole("listitem").map((li) => li.textContent)).toEqual(
    ["web (service)", "shop (project)", "Other (organization)", "staging (environment)"]);
});

test("FormError lists them too; without resources both stay one paragraph", () => {
  at("/orgs/o/x", <><FormError error={refusal([{ type: "service", id: "s1", name: "web" }])} /><ErrorNote error={new Error("plain")} /></>);
  const [form, plain] = screen.getAllByRole("alert") as [HTMLElement, HTMLElement];
  expect(within(form).getByRole("link", { name: "web" }).getAttribute("href")).toBe("/orgs/o/services/s1");
  expect(plain.tagName).toBe("P");
  expect(plain.textContent).toBe("plain");
  expect(new ApiError(409, { error: { code: "c", message: "m", field: null } }).resources).toEqual([]);
});
