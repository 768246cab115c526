"""`launchbay deploy-hook` through the real CLI and API: `create` prints the URL, the key (once) and
curl lines that work as printed (run with curl, as a shell would split them); `show` never shows
the key; rotating asks first and the old key is refused after; `remove` asks first; `call` deploys
with the URL and the key only, no login, and never sends a login's token; a member who may no longer
deploy is refused, and their hook with them."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess  # nosec B404: runs curl on the lines the CLI printed
import urllib.error
import urllib.request
import uuid

from tests.cli.conftest import PASSWORD, Cli, http
from tests.support.mailbox import invitation_token

HEADER = "X-Launchbay-Hook-Key"
KEY = re.compile(r"lbdh_[A-Za-z0-9_-]{20,}")


def said(run) -> str:
    return " ".join((run.stdout + run.stderr).split())


def curl(words: list[str]) -> tuple[int, dict]:
    """A printed curl line, split as a shell splits it, run: with curl when there is one, else the same
    request (-X, -H, -d and the URL) through urllib."""
    assert words[0] == "curl" and words[-1].startswith("http"), words
    if shutil.which("curl"):
        done = subprocess.run(words + ["-s", "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30,  # nosec B603
                              check=False)
        body, _, code = done.stdout.rpartition("\n")
        return int(code), json.loads(body)
    method, headers, data, i = "GET", {}, None, 1
    while i < len(words) - 1:
        flag, value = words[i], words[i + 1] if i + 1 < len(words) else ""
        if flag == "-X":
            method = value
        elif flag == "-H":
            name, _, v = value.partition(": ")
            headers[name] = v
        elif flag == "-d":
            data = value.encode()
        else:
            i += 1
            continue
        i += 2
    req = urllib.request.Request(words[-1], data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:  # nosec B310: the test API on loopback
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def printed_curl(run, start: str) -> list[str]:
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip().startswith(start)]
    assert len(lines) == 1, run.stdout
    return shlex.split(lines[0])


def test_create_prints_the_key_once_and_curl_lines_that_deploy(cli, account, tmp_path):
    cli("services", "create", "web", "--image", "ghcr.io/acme/api:1.0", "--port", "80")
    assert said(cli("deploy-hook", "show", "web")) == ("web (production) has no deploy hook: `launchbay deploy-hook "
                                                       "create web` makes one.")
    assert cli("deploy-hook", "show", "web", "--json").json() == {"configured": False}

    made = cli("deploy-hook", "create", "web")
    keys = set(KEY.findall(made.stdout))
    assert len(keys) == 1, made.stdout
    key = keys.pop()
    hook_id = re.search(r"/deploy-hooks/(dh_\w+)", made.stdout).group(1)
    url = f"{cli.api_url}/deploy-hooks/{hook_id}"        # the API the CLI is configured with + the hook's path
    assert made.stdout.startswith("Made the deploy hook of web (production).\n"), made.stdout
    for words in (f"URL     {url}", f"header  {HEADER}", f"key     {key}", "The key is shown this once"):
        assert words in made.stdout, (words, made.stdout)

    # the ready-to-paste line, as printed, and as a shell splits it: it deploys web's image
    plain = printed_curl(made, "curl -X POST")
    assert plain == ["curl", "-X", "POST", "-H", f"{HEADER}: {key}", url], plain
    status, dep = curl(plain)
    assert status == 202 and (dep["service_name"], dep["environment"], dep["status"], dep["image"]) == \
        ("web", "production", "queued", "ghcr.io/acme/api:1.0"), dep
    # the GitHub Actions line, once GitHub has put the secret and the commit in: another tag of the repository
    actions = printed_curl(made, "curl --fail-with-body")
    assert "${{ secrets.LAUNCHBAY_DEPLOY_HOOK_KEY }}" in " ".join(actions) and key not in " ".join(actions)
    assert '{"image":"ghcr.io/acme/api:${{ github.sha }}"}' in actions
    filled = [w.replace("${{ secrets.LAUNCHBAY_DEPLOY_HOOK_KEY }}", key).replace("${{ github.sha }}", "3f2c9e1")
              for w in actions]
    status, dep = curl(filled)
    assert status == 202 and dep["image"] == "ghcr.io/acme/api:3f2c9e1", dep

    # show: the URL, uses, who made it; never the key (nor with --json)
    shown = cli("deploy-hook", "show", "web")
    for words in (f"URL        {url}", f"key        …{key[-4:]} (shown once", "uses       2", "last used  20",
                  f"made by    {account.email}", f"id         {hook_id}",
                  f'Call it: curl -X POST -H "{HEADER}: $LAUNCHBAY_DEPLOY_HOOK_KEY" {url}'):
        assert words in shown.stdout, (words, shown.stdout)
    as_json = cli("deploy-hook", "show", "web", "--json").json()
    assert (as_json["configured"], as_json["url"], as_json["uses"], as_json["hint"]) == (True, url, 2, "…" + key[-4:])
    assert "key" not in as_json
    assert key not in shown.stdout + shown.stderr and key not in json.dumps(as_json)

    # `call`: the URL and the key, no login at all (a fresh config folder, no token)
    ci = Cli(cli.api_url, tmp_path / "ci")
    called = ci("deploy-hook", "call", url, "--key-env", "HOOK_KEY", "--image", "ghcr.io/acme/api:1.2",
                env={"HOOK_KEY": key})
    assert re.fullmatch(r"Deployment #3 of web \(production\) is queued: dep_\w+ \(ghcr\.io/acme/api:1\.2\) "
                        r"\(sandbox\)\nFollow it \(logged in\): launchbay logs --deployment dep_\w+ --follow\n",
                        called.stdout), called.stdout
    # by id (the API from $LAUNCHBAY_API), the key from stdin; one deployment per --idempotency-key
    first = ci("deploy-hook", "call", hook_id, "--key-stdin", "--idempotency-key", "ci-run-41", "--json",
               input=key + "\n").json()
    again = ci("deploy-hook", "call", hook_id, "--key-stdin", "--idempotency-key", "ci-run-41", "--json",
               input=key + "\n").json()
    assert first["id"] == again["id"] and first["number"] == 4 and first["image"] == "ghcr.io/acme/api:1.0"
    # only the service's own repository
    other = ci("deploy-hook", "call", url, "--key-env", "HOOK_KEY", "--image", "ghcr.io/evil/miner:1",
               env={"HOOK_KEY": key}, ok=False)
    assert other.exit_code == 1 and "may deploy another tag or digest of ghcr.io/acme/api only (field: image) [422" \
        in said(other), said(other)
    assert cli("deploy-hook", "show", "web", "--json").json()["uses"] == 4
    audit = http(cli.api_url, "GET", f"/orgs/{account.org_id}/audit", token=_token(cli))[1]["items"]
    assert [a["action"] for a in audit].count("deploy_hook.call") == 4


def _token(cli) -> str:
    return json.loads(cli.config_file.read_text())["token"]


def test_call_takes_the_key_never_as_an_argument_and_sends_no_login(cli, account, monkeypatch):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    made = cli("deploy-hook", "create", "web", "--json").json()
    key, url = made["key"], made["url"]
    assert made["path"] == f"/v1/deploy-hooks/{made['id']}" and url == cli.api_url + made["path"][3:]

    def refused(*args, env=None, input=None) -> str:
        run = cli("deploy-hook", "call", *args, env=env, input=input, ok=False)
        assert run.exit_code == 1, run.stdout
        return " ".join(run.stderr.split())

    assert "the key is never taken as an argument" in refused(url, "--key", key)
    assert "the key is never taken in the URL" in refused(f"{url}?key={key}", "--key-env", "K", env={"K": key})
    assert "no terminal to ask for the key on" in refused(url)
    assert "K is not set in this shell's environment" in refused(url, "--key-env", "K", env={"K": None})
    assert "give the key one way" in refused(url, "--key-stdin", "--key-env", "K", input=key)
    assert "Deploy hook key: nothing was given on stdin" in refused(url, "--key-stdin", input="")
    assert "is neither a deploy hook's URL" in refused("https://example.com/v1/orgs/x", "--key-stdin", input=key)
    assert "a commit SHA is 7 to 64 hex digits" in refused(url, "--commit", "main", "--key-stdin", input=key)
    assert cli("deploy-hook", "show", "web", "--json").json()["uses"] == 0        # nothing reached the API
    wrong = refused(url, "--key-env", "K", env={"K": key + "x"})
    assert "deploy hook key not valid: send it in the X-Launchbay-Hook-Key header (field: key) [401" in wrong, wrong

    # logged in, `call` sends the key, never the login's token (the URL may be any server's)
    sent: list[dict] = []
    real = urllib.request.urlopen

    def spy(req, *args, **kwargs):
        sent.append({k.lower(): v for k, v in req.header_items()})
        return real(req, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", spy)
    done = cli("deploy-hook", "call", url, "--key-env", "K", "--json", env={"K": key}).json()
    assert done["status"] == "queued" and done["service_name"] == "web"
    assert len(sent) == 1 and "authorization" not in sent[0] and sent[0][HEADER.lower()] == key
    assert sent[0]["idempotency-key"].startswith("cli-")


def test_rotate_asks_and_the_old_key_is_refused_then_remove(cli, account, tmp_path):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    first = cli("deploy-hook", "create", "web", "--json").json()
    ci = Cli(cli.api_url, tmp_path / "ci")

    def call(key, ok=True):
        return ci("deploy-hook", "call", first["url"], "--key-env", "K", env={"K": key}, ok=ok)

    call(first["key"])
    kept = cli("deploy-hook", "create", "web", input="n\n", ok=False)
    assert kept.exit_code == 1 and "web (production) has a deploy hook (key …" in kept.stderr
    assert "used 1 time, last 20" in kept.stderr and "Rotate its key?" in kept.stderr
    assert "nothing was rotated" in kept.stderr and not KEY.search(kept.stdout + kept.stderr)
    silent = cli("deploy-hook", "create", "web", input="", ok=False)
    assert silent.exit_code == 1 and "add --yes to rotate without asking" in silent.stderr
    as_json = cli("deploy-hook", "create", "web", "--json", ok=False)
    assert as_json.exit_code == 1 and as_json.stdout == ""
    assert "--json cannot ask for confirmation: add --yes" in json.loads(as_json.stderr)["error"]["message"]
    call(first["key"])                                             # still the first key

    rotated = cli("deploy-hook", "create", "web", input="y\n")
    assert "Rotated the deploy hook key of web (production): the old key stops working now." in rotated.stdout
    new_key = KEY.search(rotated.stdout).group(0)
    assert new_key != first["key"] and f"URL     {first['url']}" in rotated.stdout     # the same URL
    old = call(first["key"], ok=False)
    assert old.exit_code == 1 and "deploy hook key not valid" in old.stderr and "[401" in old.stderr
    call(new_key)
    again = cli("deploy-hook", "create", "web", "--yes", "--json").json()          # --yes: no question
    assert again["id"] == first["id"] and KEY.fullmatch(again["key"]) and again["key"] != new_key
    assert call(new_key, ok=False).exit_code == 1

    # remove asks first; no, or no answer, removes nothing
    no = cli("deploy-hook", "remove", "web", input="n\n", ok=False)
    assert no.exit_code == 1 and "Remove the deploy hook of web (production) (key …" in no.stderr
    assert "nothing was removed" in no.stderr
    assert "add --yes to remove without asking" in cli("deploy-hook", "remove", "web", input="", ok=False).stderr
    assert json.loads(cli("deploy-hook", "remove", "web", "--json", ok=False).stderr)["error"]["message"] == \
        "--json cannot ask for confirmation: add --yes"
    call(again["key"])
    gone = cli("deploy-hook", "remove", "web", input="y\n")
    assert "Removed the deploy hook of web (production): its URL deploys nothing now" in gone.stdout
    assert call(again["key"], ok=False).exit_code == 1
    assert cli("deploy-hook", "show", "web", "--json").json() == {"configured": False}
    nothing = cli("deploy-hook", "remove", "web", "--yes")
    assert nothing.stdout.strip() == "web (production) has no deploy hook: nothing to remove"
    assert cli("deploy-hook", "remove", "web", "--yes", "--json").json()["removed"] is False


def test_a_viewer_is_refused_and_a_demoted_member_s_hook_stops(cli, account, tmp_path):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    dev = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", dev, "--role", "developer")
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": dev, "password": PASSWORD,
                                                              "organization": "Dev's own",
                                                              "invitation": invitation_token(dev)})
    assert status == 201, body
    as_dev = Cli(cli.api_url, tmp_path / "dev")
    as_dev("login", "--email", dev, "--org", "Acme", input=PASSWORD + "\n")
    as_dev("projects", "use", "shop")

    hook = as_dev("deploy-hook", "create", "web", "--json").json()            # a developer may make one
    ci = Cli(cli.api_url, tmp_path / "ci")
    ci("deploy-hook", "call", hook["url"], "--key-env", "K", env={"K": hook["key"]})
    assert f"made by    {dev}" in cli("deploy-hook", "show", "web").stdout

    cli("members", "set-role", dev, "viewer")
    stopped = ci("deploy-hook", "call", hook["url"], "--key-env", "K", env={"K": hook["key"]}, ok=False)
    assert stopped.exit_code == 1 and "can no longer deploy this service: someone who can should rotate it" in \
        said(stopped) and "[403" in stopped.stderr, said(stopped)
    # a viewer sees the hook (never the key) but may neither rotate nor remove it
    seen = as_dev("deploy-hook", "show", "web", "--json").json()
    assert seen["configured"] is True and "key" not in seen
    denied = as_dev("deploy-hook", "create", "web", "--yes", ok=False)
    assert denied.exit_code == 1 and "your role here is viewer" in said(denied) and "[403" in denied.stderr
    err = json.loads(as_dev("deploy-hook", "remove", "web", "--yes", "--json", ok=False).stderr)["error"]
    assert err["status"] == 403
    # someone who may deploy rotates it: it works again, as them
    fresh = cli("deploy-hook", "create", "web", "--yes", "--json").json()
    ci("deploy-hook", "call", fresh["url"], "--key-env", "K", env={"K": fresh["key"]})
    shown = cli("deploy-hook", "show", "web").stdout
    assert f"acts as    {account.email}" in shown and f"by {account.email}" in shown   # rotated by the owner


def test_the_url_and_the_ci_hint_from_what_the_api_answers():
    from cli.commands.deploy_hooks import ci_body, curl_line, hook_url, key_header, repository_of

    # the API's path under the API the CLI uses, a path prefix kept
    assert hook_url("https://lb.example.com/v1", "/v1/deploy-hooks/dh_1") == "https://lb.example.com/v1/deploy-hooks/dh_1"
    assert hook_url("https://example.com/launchbay/v1/", "/v1/deploy-hooks/dh_1") == \
        "https://example.com/launchbay/v1/deploy-hooks/dh_1"
    for image, repository in (("ghcr.io/acme/api:1.4", "ghcr.io/acme/api"), ("nginx", "nginx"),
                              ("127.0.0.1:5000/acme/api", "127.0.0.1:5000/acme/api"),
                              ("127.0.0.1:5000/acme/api:2", "127.0.0.1:5000/acme/api"),
                              ("ghcr.io/acme/api@sha256:" + "a" * 64, "ghcr.io/acme/api")):
        assert repository_of(image) == repository, image
    assert ci_body({"image": "nginx:1.27"}) == {"image": "nginx:${{ github.sha }}"}
    assert ci_body({"image": None, "source": {"repo": "acme/shop"}}) == {"commit": {"sha": "${{ github.sha }}"}}
    line = curl_line("https://lb.example.com/v1/deploy-hooks/dh_1", key_header("lbdh_x-y_z"), {"image": "a:b"})
    assert shlex.split(line) == ["curl", "-X", "POST", "-H", "X-Launchbay-Hook-Key: lbdh_x-y_z", "-H",
                                 "Content-Type: application/json", "-d", '{"image":"a:b"}',
                                 "https://lb.example.com/v1/deploy-hooks/dh_1"]
