import { act, render, screen } from "@testing-library/react";
import { ANNOUNCE_EVERY, LogAnnouncer } from "./LogAnnouncer";

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

const said = () => screen.getByTestId("log-news").textContent;
const wait = (ms: number) => act(() => { vi.advanceTimersByTime(ms); });

test("a followed log says how many lines came, at most every few seconds, then how the deploy ended", () => {
  const { rerender } = render(<LogAnnouncer count={30} live />);
  expect(screen.getByTestId("log-news").getAttribute("role")).toBe("status");
  wait(10_000);
  expect(said()).toBe("");                                // the lines there when it opened are not news
  rerender(<LogAnnouncer count={35} live />);
  wait(0);
  expect(said()).toBe("5 new log lines");                 // the first news at once
  wait(1000);
  rerender(<LogAnnouncer count={40} live />);
  wait(1000);
  rerender(<LogAnnouncer count={47} live />);
  wait(ANNOUNCE_EVERY - 2001);
  expect(said()).toBe("5 new log lines");                 // not more often than every ANNOUNCE_EVERY ms
  wait(1);
  expect(said()).toBe("12 new log lines");                // the lines of the whole wait, in one
  rerender(<LogAnnouncer count={48} live />);
  rerender(<LogAnnouncer count={49} live={false} outcome="failed" />);
  expect(said()).toBe("Deploy finished: failed.");        // the end, at once; the pending count is dropped
  wait(ANNOUNCE_EVERY * 2);
  expect(said()).toBe("Deploy finished: failed.");
});

test("the same words twice are said twice (a new node in the region); rolled back in words", () => {
  const { rerender } = render(<LogAnnouncer count={1} live />);
  rerender(<LogAnnouncer count={4} live />);
  wait(0);
  const first = screen.getByText("3 new log lines");
  rerender(<LogAnnouncer count={7} live />);
  wait(ANNOUNCE_EVERY);
  const second = screen.getByText("3 new log lines");
  expect(second).not.toBe(first);
  rerender(<LogAnnouncer count={7} live={false} outcome="rolled_back" />);
  expect(said()).toBe("Deploy finished: rolled back.");
});

test("paused, it is quiet; on Follow it counts from there", () => {
  const { rerender } = render(<LogAnnouncer count={10} live />);
  rerender(<LogAnnouncer count={20} live following={false} />);
  rerender(<LogAnnouncer count={300} live following={false} />);
  wait(ANNOUNCE_EVERY * 3);
  expect(said()).toBe("");
  rerender(<LogAnnouncer count={300} live />);
  rerender(<LogAnnouncer count={302} live />);
  wait(ANNOUNCE_EVERY);
  expect(said()).toBe("2 new log lines");
});

test("a log opened after the deploy ended says nothing (the page's status says where it stands)", () => {
  const { rerender } = render(<LogAnnouncer count={0} live={false} outcome="live" />);
  rerender(<LogAnnouncer count={80} live={false} outcome="live" />);
  wait(ANNOUNCE_EVERY * 2);
  expect(said()).toBe("");
});
