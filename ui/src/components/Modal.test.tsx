import { useState } from "react";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConfirmDialog, CopyButton } from "./GitBits";
import { Modal } from "./Modal";

function Opener({ danger }: { danger?: boolean }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(0);
  return (
    <>
      <button onClick={() => setOpen(true)}>Rotate</button>
      <button>Something behind</button>
      <p>confirmed {done}</p>
      {open && (
        <ConfirmDialog title="Rotate the secret?" confirm="Rotate secret" danger={danger}
          onConfirm={() => { setDone((n) => n + 1); setOpen(false); }} onClose={() => setOpen(false)}>
          <p>The old secret stops at once.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

test("a confirm dialog is a named modal: focus inside, Tab stays inside, Escape closes and focus returns to the opener", async () => {
  render(<Opener />);
  const user = userEvent.setup();
  const opener = screen.getByRole("button", { name: "Rotate" });
  await user.click(opener);
  const dialog = screen.getByRole("dialog", { name: "Rotate the secret?" });
  expect(dialog.getAttribute("aria-modal")).toBe("true");
  const confirm = within(dialog).getByRole("button", { name: "Rotate secret" });
  const cancel = within(dialog).getByRole("button", { name: "Cancel" });
  expect(document.activeElement).toBe(confirm);
  await user.tab();
  expect(document.activeElement).toBe(cancel);
  await user.tab();                              // round to the first, never to the page behind
  expect(document.activeElement).toBe(confirm);
  await user.tab({ shift: true });
  expect(document.activeElement).toBe(cancel);
  await user.keyboard("{Escape}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(screen.getByText("confirmed 0")).toBeTruthy();
  expect(document.activeElement).toBe(opener);
});

test("a dangerous question starts on Cancel, so Enter does nothing harmful; Cancel gives focus back", async () => {
  render(<Opener danger />);
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Rotate" }));
  const dialog = screen.getByRole("dialog", { name: "Rotate the secret?" });
  expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
  await user.keyboard("{Enter}");
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(screen.getByText("confirmed 0")).toBeTruthy();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Rotate" }));
});

test("a form dialog focuses its first field, and a click outside closes it", async () => {
  function Form() {
    const [open, setOpen] = useState(false);
    return (
      <>
        <button onClick={() => setOpen(true)}>Change</button>
        {open && (
          <Modal title="Change db" onClose={() => setOpen(false)}>
            <label>Size <select><option>small</option></select></label>
            <button>Save changes</button>
          </Modal>
        )}
      </>
    );
  }
  render(<Form />);
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Change" }));
  expect(document.activeElement).toBe(screen.getByRole("combobox", { name: "Size" }));
  await user.click(screen.getByRole("dialog", { name: "Change db" }).parentElement!);
  expect(screen.queryByRole("dialog")).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("button", { name: "Change" }));
});

test("Copy says it worked to a screen reader too (the button's name stays 'Copy secret')", async () => {
  const user = userEvent.setup();   // (its clipboard stands in for the browser's)
  render(<CopyButton text="s3cret" label="secret" />);
  await user.click(screen.getByRole("button", { name: "Copy secret" }));
  expect(await navigator.clipboard.readText()).toBe("s3cret");
  expect((await screen.findByRole("status")).textContent).toBe("Copied the secret");
  expect(screen.getByRole("button", { name: "Copy secret" }).textContent).toBe("Copied");
});
