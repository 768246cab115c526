"""ECS stop reasons and service events in words (recorded shapes of real ECS answers)."""
from __future__ import annotations

from chalicelib.observe.events import explain_event, explain_task, timeline

SERVICE = {"name": "web", "image": "ghcr.io/acme/web:1", "port": 8080, "memory": 512, "health_check": {"path": "/hz"}}


def _task(reason: str, code=None, container_reason=None, stop_code="EssentialContainerExited", ms=1_000):
    return {"task_arn": f"arn:aws:ecs:us-east-1:1:task/c/{ms:032x}", "stopped_ms": ms, "stopCode": stop_code,
            "stoppedReason": reason, "memory": "512",
            "containers": [{"name": "web", "exitCode": code, "reason": container_reason}]}


def test_out_of_memory_names_the_limit_and_the_fix():
    words = explain_task(_task("Essential container in task exited", 137, "OutOfMemoryError: Container killed due to "
                               "memory usage"), SERVICE)
    assert words["kind"] == "oom"
    assert f"{words['explanation']}: {words['fix']}" == \
        "the container was killed for using more than 512 MiB: raise memory or fix the leak"


def test_exit_codes_image_pulls_secrets_and_health_checks():
    assert "command was not found" in explain_task(_task("Essential container in task exited", 127), SERVICE)["explanation"]
    assert explain_task(_task("Essential container in task exited", 143), SERVICE)["severity"] == "info"
    pull = explain_task(_task("CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                              "ghcr.io/acme/web:1: not found", None, stop_code="TaskFailedToStart"), SERVICE)
    assert pull["kind"] == "image" and "ghcr.io/acme/web:1" in pull["explanation"] and "tag" in pull["fix"]
    init = explain_task(_task("ResourceInitializationError: unable to pull secrets or registry auth", None,
                              stop_code="TaskFailedToStart"), SERVICE)
    assert init["kind"] == "start" and "execution role" in init["fix"]
    health = explain_task(_task("Task failed ELB health checks in (target-group arn:aws:...:targetgroup/x/1)", 137,
                                stop_code="ServiceSchedulerInitiated"), SERVICE)
    assert health["kind"] == "health" and "/hz" in health["explanation"] and "8080" in health["fix"]


def test_capacity_and_steady_state_events():
    cap = explain_event("(service web) was unable to place a task. Reason: Capacity is unavailable at this time.")
    assert cap["kind"] == "capacity" and cap["severity"] == "warning" and "subnets" in cap["fix"]
    assert explain_event("(service web) has reached a steady state.")["fix"] is None


def test_the_same_story_told_many_times_is_one_entry_with_a_count():
    raw = {"stopped": [_task("Essential container in task exited", 1, ms=ms) for ms in (1_000, 5_000, 9_000)],
           "events": [{"at_ms": 2_000, "message": "(service web) has started 1 tasks: (task abc123)."},
                      {"at_ms": 6_000, "message": "(service web) has started 1 tasks: (task def456)."}]}
    items = timeline(raw, SERVICE)
    assert [(e["kind"], e["count"]) for e in items] == [("crash", 3), ("started", 2)]
    assert items[0]["first"] < items[0]["at"] and len(items[0]["tasks"]) == 3
