"""deploy --wait, rollback and logs through the real CLI, the real API and a real Celery worker
against the moto sandbox."""
from __future__ import annotations

import re
import time

import pytest

from cli.commands.follow import Progress
from cli.output import Out
from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def test_deploy_wait_shows_steps_and_exits_0_live_2_failed(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("services", "create", "bad", "--image", "nginx:1.27", "--port", "80", "--var", "LAUNCHBAY_SANDBOX_FAIL=crash")

    live = cli("deploy", "web", "--wait", "--timeout", "120", ok=None)
    assert live.exit_code == 0, worker.output()[-3000:] + live.stdout + live.stderr
    out = live.stdout
    assert "Deploying web: deployment #1" in out
    assert "✓ task_definition: done in" in out and "✓ rollout: done in" in out     # steps as they complete
    assert "rollout: started" in out and "deployment #1 is live" in out           # the log tail
    # then where it answers: the load balancer, with the service's Host
    reach = r"curl -H 'Host: web-\w+\.org_\w+\.launchbay\.internal' http://\S+/"
    assert re.search(r"is live\.\nReach it: " + reach + r"   \(sandbox: the address is simulated\)$", out.rstrip()), out
    assert re.search(r"endpoints\.try\s+" + reach, cli("status", "web").stdout)
    steps = [line.split("✓ ", 1)[1].split(":")[0] for line in out.splitlines() if "✓ " in line]
    assert len(steps) >= 10 and len(steps) == len(set(steps))                       # each step once

    failed = cli("deploy", "bad", "--wait", "--timeout", "120", ok=None)
    assert failed.exit_code == 2, failed.stdout + failed.stderr
    assert "ended failed" in failed.stdout and "exited with code" in failed.stdout
    assert "✗ " in failed.stdout                                                    # the step that failed

    as_json = cli("deploy", "bad", "--wait", "--json", "--timeout", "120", ok=None)
    assert as_json.exit_code == 2 and as_json.json()["status"] == "failed"           # stdout: the deployment only

    # a second release of web, then a rollback to the first, followed to the end
    second = cli("deploy", "web", "--image", "nginx:1.27.1", "--wait", "--json", "--timeout", "120", ok=None)
    assert second.exit_code == 0 and second.json()["status"] == "live"
    releases = cli("releases", "web", "--json").json()["items"]
    assert [(r["number"], r["current"]) for r in releases] == [(2, True), (1, False)]
    back = cli("rollback", "web", "--wait", "--timeout", "120", ok=None)
    assert back.exit_code == 0, back.stdout + back.stderr
    assert "Rolling web back to " + releases[1]["deployment_id"] in back.stdout
    status = cli("status", "web", "--json").json()
    assert status["service"]["live_image"].startswith("nginx:1.27") and status["latest_deployment"]["status"] == "live"
    assert status["service"]["live_image"] != "nginx:1.27.1"
    to_release = cli("rollback", "web", "--to-release", "2", "--json").json()
    assert to_release["status"] in ("queued", "provisioning", "deploying", "live")

    # on a terminal: a rich Live display of the steps, the log scrolling above it
    tty = cli("deploy", "web", "--wait", "--timeout", "120", ok=None, env={"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"})
    assert tty.exit_code == 0, tty.stdout + tty.stderr
    assert "\x1b[" in tty.stdout                                                     # drawn with terminal codes
    assert "✓" in tty.stdout and "rollout" in tty.stdout and ": live" in tty.stdout, tty.stdout
    assert "is live." in tty.stdout

    # the deploy log of a finished deployment: --follow stops at once, since it is final
    t0 = time.monotonic()
    logged = cli("logs", "--deployment", second.json()["id"], "--follow")
    assert time.monotonic() - t0 < 30 and "is live." in logged.stdout
    assert "rollout: done in" in logged.stdout


def test_logs_follow_stops_when_the_deployment_is_final(cli, account, worker):
    cli("services", "create", "slow", "--image", "nginx:1.27", "--port", "80", "--var", "LAUNCHBAY_SANDBOX_DELAY=2")
    dep = cli("deploy", "slow", "--json").json()
    followed = cli("logs", "--deployment", dep["id"], "--follow", "--json", "--timeout", "120", ok=None)
    assert followed.exit_code == 0, followed.stderr
    lines = followed.json_lines()
    seqs = [l["seq"] for l in lines]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert any("is live" in l["message"] for l in lines)
    # the run-time log of the live service: read, and --follow ends at its timeout
    t0 = time.monotonic()
    run_logs = cli("logs", "slow", "--follow", "--timeout", "2", "--interval", "0.5", "--json")
    assert 1.5 <= time.monotonic() - t0 < 20
    assert all("message" in l for l in run_logs.json_lines())
    # the same lines for people: run-time log times are epoch milliseconds, shown as HH:MM:SS UTC
    human = cli("logs", "slow")
    shown = [line for line in human.stdout.splitlines() if "[sandbox]" in line]
    assert shown and all(re.match(r"^\d\d:\d\d:\d\d \[sandbox\]", line) for line in shown), human.stdout


def test_a_step_is_marked_once_by_its_own_log_line_when_the_deployment_says_done_first(capsys):
    """The deployment is read just after a log page: it often says a step is done before the
    page holding that step's "done" line. Plain output marks the step with that line, once."""
    progress = Progress(Out(False), {"status": "queued", "phases": [{"status": "queued"}]})
    done = {"status": "provisioning", "phases": [{"status": "queued"}, {"status": "provisioning"}],
            "steps": [{"name": "cluster", "status": "done", "ms": 11}]}
    progress.line({"ts": "2026-01-31T12:00:01Z", "step": "cluster", "message": "cluster: started"})
    progress.poll(done)
    progress.line({"ts": "2026-01-31T12:00:02Z", "step": "cluster", "message": "cluster: done in 11 ms; unchanged"})
    progress.poll(done)
    # a step whose log says nothing of its end is marked from the deployment, at the latest at the end
    progress.poll({**done, "status": "live", "steps": done["steps"] + [{"name": "quiet", "status": "done", "ms": 3}]})
    text = capsys.readouterr().out
    assert text.count("cluster: done") == 1 and "12:00:02 ✓ cluster: done in 11 ms; unchanged" in text, text
    assert "→ provisioning" in text and text.count("✓ quiet: done (3 ms)") == 1, text


def test_phases_print_among_the_log_lines_in_time_order_not_after_the_end(capsys):
    """A deployment that went through every phase within one read (a cron job built from source):
    each "→ phase" goes before the first log line written after it began, never after
    "deployment #1 is live" (the deployment is read after the page, shown before its lines)."""
    phases = [{"status": "queued", "at": "2026-01-31T12:00:00Z"}, {"status": "building", "at": "2026-01-31T12:00:01Z"},
              {"status": "provisioning", "at": "2026-01-31T12:00:03Z"},
              {"status": "deploying", "at": "2026-01-31T12:00:05Z"}, {"status": "live", "at": "2026-01-31T12:00:07Z"}]
    progress = Progress(Out(False), {"status": "queued", "phases": phases[:1]})
    live = {"status": "live", "phases": phases}
    progress.read(live)
    for ts, step, message in [("12:00:02", "build", "build: done in 900 ms"), ("12:00:04", "service", "service: started"),
                              ("12:00:06", "rollout", "rollout: done in 1000 ms"), ("12:00:07", "live", "deployment #1 is live")]:
        progress.line({"ts": f"2026-01-31T{ts}Z", "step": step, "message": message})
    progress.poll(live)
    shown = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    order = [next(i for i, line in enumerate(shown) if what in line)
             for what in ("→ building", "build: done", "→ provisioning", "service: started", "→ deploying",
                          "rollout: done", "deployment #1 is live")]
    assert order == sorted(order), shown
    assert shown[-1].endswith("deployment #1 is live"), shown


def test_restart_replaces_the_tasks_and_says_why_it_cannot(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    early = cli("restart", "web", ok=None)
    assert early.exit_code == 1 and "no live release to restart" in early.stderr
    assert cli("deploy", "web", "--wait", "--timeout", "120", ok=None).exit_code == 0
    cli("services", "update", "web", "--var", "MODE=new")        # waits for a deploy: the restart keeps the release
    done = cli("restart", "web", "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    assert "Restarting web (release #1): deployment #2" in done.stdout
    assert "restart of release #1 (every task replaced" in done.stdout             # the deploy log, streamed
    assert "✓ service: done in" in done.stdout and "deployment #2 is live" in done.stdout
    status = cli("status", "web", "--json").json()
    assert status["latest_deployment"]["restart_of_number"] == 1 and status["service"]["needs_deploy"]
    queued = cli("restart", "web", "--json").json()
    assert queued["restart_of_number"] == 2 and queued["status"] in ("queued", "provisioning", "deploying", "live")


def test_deploy_plan_shows_what_would_change_and_deploys_nothing(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    first = cli("deploy", "web", "--plan").stdout
    assert first.startswith("Deploying web would (sandbox):")
    assert "+ ECS service lb-" in first and "+ task definition lb-" in first and "      image: nginx:1.27" in first
    assert "· rollout lb-" in first and "wait until its new tasks pass the health check" in first
    assert "not needed: " in first and "Estimated monthly cost: $0.00 → $" in first
    assert cli("status", "web", "--json").json()["latest_deployment"] is None          # nothing was deployed
    assert cli("deploy", "web", "--wait", "--timeout", "120", ok=None).exit_code == 0
    cli("services", "update", "web", "--memory", "1024")
    again = cli("deploy", "web", "--plan").stdout
    assert "~ task definition lb-" in again and "      memory: 512 → 1024" in again, again
    assert "+ ECS cluster" not in again and "unchanged: " in again and "cluster" in again.split("unchanged: ")[1]
    as_json = cli("deploy", "web", "--plan", "--json").json()
    assert {s["step"]: s["action"] for s in as_json["steps"]}["task_definition"] == "update"
    bad = cli("deploy", "web", "--plan", "--wait", ok=None)
    assert bad.exit_code == 1 and "--plan shows the next deploy" in bad.stderr
