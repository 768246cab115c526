import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { makeQueryClient, routes } from "../App";
import { session } from "../api/client";

// The network is the one thing replaced: fetch answers like the API (its 422 shape).
function fakeApi(answers: Record<string, (req: Request) => [number, unknown]>) {
  const calls: Request[] = [];
  globalThis.fetch = (async (input: Request) => {
    calls.push(input);
    const path = new URL(input.url).pathname;
    const key = `${input.method} ${path}`;
    const hit = Object.entries(answers).find(([k]) => new RegExp(`^${k}$`).test(key));
    const [status, body] = hit ? hit[1](input) : [404, { error: { code: "not_found", message: key, field: null } }];
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  return calls;
}

test("create service: the API's field errors show next to their fields; only valid Fargate pairs", async () => {
  session.set("t");
  const calls = fakeApi({
    "GET /v1/me": () => [200, { user: { id: "u", email: "a@b.c" }, organizations: [{ id: "o", name: "Acme", role: "owner" }] }],
    "GET /v1/health": () => [200, { mode: "sandbox" }],
    "GET /v1/orgs/o/projects/p": () => [200, { id: "p", name: "shop" }],
    "GET /v1/orgs/o/projects/p/environments": () => [200, { items: [], next: null }],
    "POST /v1/orgs/o/projects/p/services": () => [422, { error: { code: "invalid", message: "2 problems", field: "name",
      fields: [{ field: "name", message: "service names are lower case" }, { field: "image", message: "image must be a reference" }] } }],
  });
  const router = createMemoryRouter(routes, { initialEntries: ["/orgs/o/projects/p/new"] });
  render(<QueryClientProvider client={makeQueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  const user = userEvent.setup();

  const name = await screen.findByLabelText("Name");
  await user.type(name, "Web!");
  await user.selectOptions(screen.getByLabelText("CPU"), "2048");
  const memory = screen.getByLabelText("Memory") as HTMLSelectElement;
  expect([...memory.options].map((o) => o.value)).toEqual(["4096", "5120", "6144", "7168", "8192", "9216", "10240", "11264", "12288", "13312", "14336", "15360", "16384"]);
  await user.click(screen.getByRole("button", { name: "Create service" }));

  const nameField = name.closest(".field") as HTMLElement;
  expect(await within(nameField).findByRole("alert")).toHaveProperty("textContent", "service names are lower case");
  const imageField = screen.getByLabelText("Image").closest(".field") as HTMLElement;
  expect(within(imageField).getByRole("alert").textContent).toBe("image must be a reference");
  expect(name.getAttribute("aria-invalid")).toBe("true");

  const post = calls.find((r) => r.method === "POST")!;
  const body = await post.json();
  expect(body).toMatchObject({ name: "Web!", kind: "web", cpu: 2048, memory: 4096, port: 80 });
  expect(post.headers.get("Authorization")).toBe("Bearer t");
});
