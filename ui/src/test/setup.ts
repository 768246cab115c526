import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor wait 1 s by default: the first render of a lazily loaded page imports its chunk,
// which on a loaded CI machine takes longer than that. A wait ends as soon as its check passes.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  localStorage.clear();
});
