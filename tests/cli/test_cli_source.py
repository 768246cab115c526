"""Services built from source through the real CLI: `services create/update --repo ...` and
`deploy --commit SHA --wait`, built from a real git repository under the sandbox git root by a
real Celery worker."""
from __future__ import annotations

import pytest

from tests.support.git_repos import DOCKERFILE, commit, make_repo
from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env, git_root):
    w = CeleryWorker(launchbay_env, ["deploys", "default"], name="builds").start()
    yield w
    w.stop()


def test_create_from_a_repo_and_deploy_a_commit_showing_the_build(cli, account, git_root, worker):
    first = make_repo(git_root, "acme/shop", {"Dockerfile": DOCKERFILE})
    second = commit(git_root / "acme/shop", {"Dockerfile": DOCKERFILE.replace("echo hi", "echo two")})
    svc = cli("services", "create", "shop", "--repo", "acme/shop", "--port", "8080",
              "--build-arg", "NODE_ENV=production", "--json").json()
    assert svc["image"] is None and svc["build_env"] == {"NODE_ENV": "production"}
    assert svc["source"] == {"repo": "acme/shop", "branch": "main", "dockerfile": "Dockerfile", "context": "."}
    assert "acme/shop" in cli("services").stdout                                   # the SOURCE column

    # the first commit, not the branch head: the build says so, then each step, then live at that commit
    out = cli("deploy", "shop", "--commit", first[:10], "--wait", "--timeout", "120", ok=None)
    assert out.exit_code == 0, out.stdout + out.stderr + worker.output()[-3000:]
    text = out.stdout
    assert "Deploying shop: deployment #1 (dep_" in text and f"building acme/shop at {first[:10]}" in text
    assert "→ building" in text                                                    # the phase, as it changes
    start = next(line for line in text.splitlines() if "deployment #1 of shop started" in line)
    assert start.endswith(f"building acme/shop at {first[:10]} (Dockerfile)"), start   # no empty message, no "unknown"
    assert "✓ build.start" in text and "✓ build: done" in text and "Step 1/4 : FROM alpine:3.20" in text
    assert text.index("✓ build: done") < text.index("✓ rollout")
    live = next(line for line in text.splitlines() if line.endswith("is live."))
    assert f"at commit {first[:10]}" in live and text.rstrip().splitlines()[-1].startswith("Reach it: curl -H 'Host: shop-")
    dep = cli("status", "shop", "--json").json()["latest_deployment"]
    assert dep["status"] == "live" and dep["commit"]["sha"] == first[:10]

    # without --commit: the branch head (the second commit), as JSON
    head = cli("deploy", "shop", "--wait", "--json", "--timeout", "120", ok=None)
    assert head.exit_code == 0, head.stderr
    assert head.json()["build"]["commit_sha"] == second and "@sha256:" in head.json()["image"]

    # update: the branch only (the repo stays), a build arg added; then back to an image
    moved = cli("services", "update", "shop", "--branch", "release/2", "--build-arg", "MODE=fast", "--json").json()
    assert moved["source"] == {"repo": "acme/shop", "branch": "release/2", "dockerfile": "Dockerfile", "context": "."}
    assert moved["build_env"] == {"NODE_ENV": "production", "MODE": "fast"}
    imaged = cli("services", "update", "shop", "--image", "nginx:1.27")
    assert "Updated shop (image)" in imaged.stdout
    assert cli("services", "show", "shop", "--json").json()["source"] is None
    again = cli("services", "update", "shop", "--repo", "acme/shop", "--dockerfile", "docker/web.Dockerfile", "--json")
    assert again.json()["image"] is None and again.json()["source"]["dockerfile"] == "docker/web.Dockerfile"
    assert again.json()["source"]["branch"] == "main"                               # another switch: the defaults


def test_image_or_repo_errors_name_the_option(cli, account):
    neither = cli("services", "create", "web", "--port", "80", ok=False)
    assert neither.exit_code == 1 and "--image" in neither.stderr and "--repo" in neither.stderr
    both = cli("services", "create", "web", "--image", "nginx", "--repo", "acme/shop", ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr
    stray = cli("services", "create", "web", "--image", "nginx", "--port", "80", "--branch", "dev", ok=False)
    assert stray.exit_code == 1 and "--branch" in stray.stderr and "--repo" in stray.stderr
    stray_arg = cli("services", "create", "web", "--image", "nginx", "--port", "80", "--build-arg", "A=1", ok=False)
    assert stray_arg.exit_code == 1 and "--build-arg" in stray_arg.stderr
    bad_repo = cli("services", "create", "web", "--repo", "not-a-repo", "--port", "80", "--json", ok=False)
    assert bad_repo.exit_code == 1 and "owner/name" in bad_repo.stderr and bad_repo.stdout == ""
    bad_arg = cli("services", "create", "web", "--repo", "acme/shop", "--port", "80", "--build-arg", "NOEQ", ok=False)
    assert bad_arg.exit_code == 1 and "KEY=VALUE" in bad_arg.stderr

    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    image_branch = cli("services", "update", "web", "--branch", "dev", ok=False)
    assert image_branch.exit_code == 1 and "--branch" in image_branch.stderr
    nothing = cli("services", "update", "web", ok=False)
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    bumped = cli("services", "update", "web", "--max", "3", "--var", "A=1", "--json").json()
    assert bumped["max_instances"] == 3 and bumped["env"] == {"A": "1"}
    assert cli("services", "update", "web", "--var", "B=2", "--json").json()["env"] == {"A": "1", "B": "2"}
    not_hex = cli("deploy", "web", "--commit", "main", ok=False)
    assert not_hex.exit_code == 1 and "--commit" in not_hex.stderr and "hex" in not_hex.stderr


def test_watch_paths_are_set_and_cleared(cli, account):
    made = cli("services", "create", "api", "--repo", "acme/mono", "--port", "80", "--watch-path", "services/api/**",
               "--watch-path", "shared", "--json").json()
    assert made["source"]["paths"] == ["services/api/**", "shared"]
    kept = cli("services", "update", "api", "--branch", "dev", "--json").json()   # other source options keep them
    assert kept["source"]["paths"] == ["services/api/**", "shared"] and kept["source"]["branch"] == "dev"
    cleared = cli("services", "update", "api", "--watch-path", "", "--json").json()
    assert "paths" not in cleared["source"]
    stray = cli("services", "create", "web", "--image", "nginx", "--port", "80", "--watch-path", "x", ok=False)
    assert stray.exit_code == 1 and "--watch-path" in stray.stderr
