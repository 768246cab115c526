import { clientWords } from "./clientWords";

test("a session's client in words: browsers on their systems, the CLI, else the agent cut short", () => {
  expect(clientWords("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0")).toBe("Firefox on macOS");
  expect(clientWords("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0")).toBe("Edge on Windows");
  expect(clientWords("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36")).toBe("Chrome on Linux");
  expect(clientWords("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1")).toBe("Safari on iOS");
  expect(clientWords("launchbay-cli")).toBe("launchbay CLI");
  expect(clientWords("launchbay-cli/1.2")).toBe("launchbay CLI 1.2");
  expect(clientWords("curl/8.5.0")).toBe("curl/8.5.0");
  expect(clientWords("x".repeat(60))).toBe("x".repeat(39) + "…");
  expect(clientWords(null)).toBe("unknown client");
  expect(clientWords("  ")).toBe("unknown client");
});
