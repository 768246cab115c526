"""Compose importer on the real samples and on a fixture covering the Compose specification."""
from __future__ import annotations

import pytest

from chalicelib.configfile.importers import ImportFileError, document_problems, import_files
from tests.configfile.samples import FIXTURES, keys_of, message, read_case, sample, sample_cases


def services(result):
    assert document_problems(result.document) == []
    assert list(result.document["environments"]) == ["production"]
    return result.document["environments"]["production"]["services"]


def test_every_real_sample_has_its_own_test():
    assert sample_cases("compose") in ([], ["django", "nginx-flask-mongo", "react-express-mongodb", "umami"])


def test_django():
    result = import_files("compose", sample("compose", "django"))
    assert services(result) == {"web": {"kind": "web", "source": {"dockerfile": "app/Dockerfile", "context": "app"},
                                        "port": 8000}}
    assert keys_of(result, "compose.yaml") == {"services.web.build", "services.web.build.target"}


def test_nginx_flask_mongo():
    result = import_files("compose", sample("compose", "nginx-flask-mongo"))
    svcs = services(result)
    assert sorted(svcs) == ["backend", "web"]   # mongo is left to a managed resource
    web, backend = svcs["web"], svcs["backend"]
    assert (web["kind"], web["image"], web["port"]) == ("web", "nginx", 80)   # `80:80` read as YAML 1.2
    assert web["command"] == ["/bin/bash", "-c", "envsubst < /tmp/nginx.conf > /etc/nginx/conf.d/default.conf "
                              "&& nginx -g 'daemon off;'"]
    assert web["env"] == {"FLASK_SERVER_ADDR": "backend:9091"}
    assert backend == {"kind": "worker", "source": {"dockerfile": "flask/Dockerfile", "context": "flask"},
                       "env": {"FLASK_SERVER_PORT": "9091"}}
    assert keys_of(result, "compose.yaml") == {
        "services.web.volumes[0]", "services.web.depends_on", "services.web.environment.FLASK_SERVER_ADDR",
        "services.backend.build", "services.backend.build.target", "services.backend.stop_signal",
        "services.backend.volumes[0]", "services.backend.depends_on", "services.mongo"}
    # bind mounts: the files of the machine running compose
    assert "bind mount ./nginx/nginx.conf -> /tmp/nginx.conf not imported" in message(
        result, "compose.yaml", "services.web.volumes[0]")
    assert "build them into the image (COPY)" in message(result, "compose.yaml", "services.backend.volumes[0]")
    assert "resources" not in result.document["environments"]["production"]
    assert "managed MongoDB" in message(result, "compose.yaml", "services.mongo")
    assert "MONGO_URL" in message(result, "compose.yaml", "services.mongo")
    assert "backend.<LAUNCHBAY_PRIVATE_DOMAIN>" in message(result, "compose.yaml", "services.web.environment.FLASK_SERVER_ADDR")


def test_react_express_mongodb():
    result = import_files("compose", sample("compose", "react-express-mongodb"))
    svcs = services(result)
    assert svcs == {
        "frontend": {"kind": "web", "source": {"dockerfile": "frontend/Dockerfile", "context": "frontend"}, "port": 3000},
        "backend": {"kind": "worker", "source": {"dockerfile": "backend/Dockerfile", "context": "backend"}}}
    keys = keys_of(result, "compose.yaml")
    assert keys == {"networks", "volumes.mongo_data", "services.mongo"} | {
        f"services.frontend.{k}" for k in ("build", "build.target", "stdin_open", "volumes[0]", "volumes[1]",
                                           "restart", "networks", "depends_on")} | {
        f"services.backend.{k}" for k in ("build", "build.target", "expose", "restart", "volumes[0]", "volumes[1]",
                                          "depends_on", "networks")}
    # a bind mount of the sources and an anonymous node_modules: nothing to keep; mongo's data: mongo is not imported
    assert "bind mount ./backend -> /usr/src/app" in message(result, "compose.yaml", "services.backend.volumes[0]")
    assert "anonymous volume at /usr/src/app/node_modules not imported" in message(
        result, "compose.yaml", "services.frontend.volumes[1]")
    assert "used only by mongo, not imported" in message(result, "compose.yaml", "volumes.mongo_data")
    assert "resources" not in result.document["environments"]["production"]
    assert "port 3000" in message(result, "compose.yaml", "services.backend.expose")
    assert "backend.<LAUNCHBAY_PRIVATE_DOMAIN>:3000" in message(result, "compose.yaml", "services.backend.expose")


def test_umami():
    result = import_files("compose", sample("compose", "umami"))
    svcs = services(result)
    assert svcs == {"umami": {
        "kind": "web", "image": "ghcr.io/umami-software/umami:latest", "port": 3000,
        "secrets": ["APP_SECRET"],                   # a *_SECRET is not copied
        "links": {"db": "DATABASE_URL"},             # the URL naming host db: the managed resource's connection
        "health_check": {"path": "/api/heartbeat", "interval_seconds": 5, "timeout_seconds": 4,
                         "unhealthy_threshold": 5}}}
    assert "umami:umami" not in repr(result.document) + repr(result.warnings)
    file = "docker-compose.yml"
    assert keys_of(result, file) == {
        "volumes.umami-db-data", "services.umami.environment.APP_SECRET",
        "services.umami.healthcheck", "services.umami.depends_on", "services.umami.init", "services.umami.restart",
        "services.db", "services.umami.image"}
    assert "timeout set to 4s" in message(result, file, "services.umami.healthcheck")
    # GHCR: public here, but the file cannot say; a private image needs the organization's credentials
    assert "image ghcr.io/umami-software/umami:latest (umami) is in the registry ghcr.io: a public image needs " \
           "nothing; if it is private, an organization admin runs `launchbay registries login ghcr.io -u <user>`" in \
        message(result, file, "services.umami.image")
    db = message(result, file, "services.db")
    assert "managed postgres resource 'db' (version 15)" in db and "linked to umami as DATABASE_URL" in db
    assert "data is not copied" in db
    # postgres:15-alpine: the version from the tag; its data volume is not a volume: the managed database holds it
    assert result.document["environments"]["production"]["resources"] == {"db": {"kind": "postgres", "version": "15"}}
    assert "the managed postgres resource 'db': the managed resource holds the data" in message(
        result, file, "volumes.umami-db-data")


@pytest.fixture(scope="module")
def full():
    return import_files("compose", read_case(FIXTURES / "compose/full"))


def test_full_web(full):
    web = services(full)["web"]
    assert web["source"] == {"dockerfile": "web/docker/Dockerfile.prod", "context": "web"}
    assert web["port"] == 8000                      # "127.0.0.1:8080:8000/tcp": the container port
    assert web["command"] == ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
    assert web["env"] == {"SENTRY_ENVIRONMENT": "production", "GREETING": "hello world", "TIMEOUT": "30",
                          "LOG_LEVEL": "warning",        # ${LOG_LEVEL:-info} resolved from .env
                          "API_BASE": "http://api:5000"}
    assert web["links"] == {"db": "DATABASE_URL", "cache": "CACHE_URL"}     # the URLs that named the containers
    assert "secrets" not in web    # DATABASE_URL (user:${DB_PASSWORD}@db) now comes from the link
    assert web["health_check"] == {"path": "/healthz", "interval_seconds": 90, "timeout_seconds": 10,
                                   "unhealthy_threshold": 3, "grace_period_seconds": 40}
    assert (web["cpu"], web["memory"]) == (1024, 2048)   # 0.75 CPU / 1 GiB snapped
    assert (web["min_instances"], web["max_instances"]) == (2, 2)


def test_full_other_services(full):
    svcs = services(full)
    assert sorted(svcs) == ["api", "jobs", "web"]
    api = svcs["api"]
    assert api["image"] == "ghcr.io/shop/api:1.4.0" and api["port"] == 5000
    assert api["command"] == ["/docker-entrypoint.sh", "serve", "--port", "5000"]
    assert api["env"] == {"PORT": "5000"} and api["secrets"] == ["STRIPE_API_KEY"]
    assert (api["cpu"], api["memory"]) == (2048, 4096)
    assert api["health_check"] == {"path": "/"}
    jobs = svcs["jobs"]
    assert jobs == {"kind": "worker", "image": "ghcr.io/shop/web:latest", "command": ["celery", "-A", "shop", "worker"],
                    "env": {"LOG_LEVEL": "warning"}, "links": {"cache": "CACHE_URL"},
                    "min_instances": 3, "max_instances": 3}


def test_full_warnings(full):
    keys = keys_of(full, "compose.yaml")
    expected = {"x-common-env", "x-logging", "volumes.db-data", "secrets", "configs", "networks", "services.db", "services.cache",
                "services.api.image", "services.web.image", "services.web.build",
                "services.web.build.args", "services.web.ports[0]", "services.web.ports[1]", "services.web.env_file[1]",
                "services.web.environment.FEATURE_FLAG", "services.web.healthcheck",
                "services.web.deploy.resources.limits", "services.web.deploy.resources.reservations",
                "services.web.deploy.placement", "services.web.deploy.restart_policy", "services.web.depends_on",
                "services.web.secrets", "services.web.configs", "services.web.labels", "services.web.logging",
                "services.web.x-internal", "services.api.entrypoint", "services.api.environment.RACK_ENV",
                "services.api.environment.STRIPE_API_KEY", "services.api.healthcheck",
                "services.api.cpus", "services.api.profiles", "services.jobs.healthcheck",
                "services.jobs.restart", "services.web.environment.API_BASE"}
    assert keys == expected
    assert "udp" in message(full, "compose.yaml", "services.web.ports[1]")
    assert "'1.4.0'" in message(full, "compose.yaml", "services.api.image")
    # one warning for ghcr.io, at its first service, naming every image there
    registry = [w for w in full.warnings if "registries login" in w["message"]]
    assert [w["key"] for w in registry] == ["services.api.image"]
    assert "images ghcr.io/shop/api:1.4.0 (api), ghcr.io/shop/web:latest (jobs) are in the registry ghcr.io" in \
        registry[0]["message"]
    cache = message(full, "compose.yaml", "services.cache")
    assert "linked to web as CACHE_URL, jobs as CACHE_URL" in cache
    assert "version '7.2' is not one Launchbay offers for redis" in cache and "7.1 is used" in cache
    assert full.document["environments"]["production"]["resources"] == {
        "db": {"kind": "postgres", "version": "16"}, "cache": {"kind": "redis", "version": "7.1"}}
    assert "sk_test_123" not in repr(full.document) + repr(full.warnings)


def test_override_file_is_merged():
    result = import_files("compose", {
        "docker-compose.yml": "services:\n  web:\n    image: nginx\n    ports: ['80']\n",
        "docker-compose.override.yml": "services:\n  web:\n    environment: {MODE: dev}\n"})
    assert services(result)["web"]["env"] == {"MODE": "dev"}
    assert keys_of(result, "docker-compose.override.yml") == {""}


def test_unreadable_files():
    with pytest.raises(ImportFileError) as err:
        import_files("compose", {"compose.yaml": "services:\n  web:\n    image: nginx\n   ports: [80]\n"})
    assert err.value.file == "compose.yaml" and err.value.line == 4
    with pytest.raises(ImportFileError, match="no services"):
        import_files("compose", {"compose.yaml": "volumes: {}\n"})
    with pytest.raises(ImportFileError, match="data store") as err:
        import_files("compose", {"compose.yaml": "services:\n  db:\n    image: postgres\n"})
    assert err.value.key == "services"
    with pytest.raises(ImportFileError, match="no Compose file"):
        import_files("compose", {"app.json": "{}"})


@pytest.fixture(scope="module")
def volumes():
    return import_files("compose", read_case(FIXTURES / "compose/volumes"))


def test_named_volumes_become_volume_resources_linked_at_their_paths(volumes):
    """One resource per named volume, however many services mount it; each service links it at its
    path, read-only where Compose says so (short `:ro`, long `read_only: true`); a name is made a
    resource name (app_data -> app-data) and one taken by a managed database gets a suffix."""
    from chalicelib.configfile.parse import validate

    env = volumes.document["environments"]["production"]
    assert env["resources"] == {"db": {"kind": "postgres", "version": "16"}, "media": {"kind": "volume"},
                                "app-data": {"kind": "volume"}, "db-volume": {"kind": "volume"}}
    svcs = services(volumes)
    assert svcs["web"]["links"] == {"media": "/srv/media"}
    assert "env" not in svcs["web"]          # MEDIA_PATH=/srv/media: the link gives the same
    assert svcs["worker"]["links"] == {"db": "DATABASE_URL", "media": "/srv/media:ro",
                                       # APP_DATA_PATH is the worker's own variable (another value): kept
                                       "app-data": "APP_DATA_MOUNT_PATH=/var/lib/app:ro", "db-volume": "/backups"}
    assert svcs["worker"]["env"] == {"APP_DATA_PATH": "/somewhere/else"}
    validate(volumes.document)               # launchbay.yaml's model takes every link as written
    media = message(volumes, "compose.yaml", "volumes.media")
    assert "imported as the volume resource 'media' (EFS)" in media and "It starts empty" in media
    assert "web at /srv/media as MEDIA_PATH, worker at /srv/media read-only as MEDIA_PATH" in media
    assert "(resource names are 2-32 lower-case" in message(volumes, "compose.yaml", "volumes.app_data")
    assert "external in Compose" in message(volumes, "compose.yaml", "volumes.app_data")
    assert "'db' names another resource" in message(volumes, "compose.yaml", "volumes.db")
    assert "APP_DATA_MOUNT_PATH instead" in message(volumes, "compose.yaml", "services.worker.volumes[1]")


def test_what_volumes_cannot_keep_is_a_warning_saying_why(volumes):
    keys = keys_of(volumes, "compose.yaml")
    assert keys == {"services.web.image", "services.worker.depends_on", "services.db", "volumes.media", "volumes.app_data", "volumes.db",
                    "volumes.db.driver", "volumes.pgdata", "volumes.unused"} | {
        f"services.web.volumes[{i}]" for i in (1, 2, 3, 4)} | {
        f"services.worker.volumes[{i}]" for i in (1, 2, 3)}     # nocopy ([1]) is what a new EFS volume does anyway
    said = {k: message(volumes, "compose.yaml", k) for k in keys}
    assert "bind mount ./config -> /etc/shop not imported: it mounts files of the machine running compose" in \
        said["services.web.volumes[1]"]
    assert "no Docker daemon" in said["services.web.volumes[2]"]
    assert "anonymous volume at /app/tmp not imported" in said["services.web.volumes[3]"]
    assert "tmpfs mount at /run/cache" in said["services.web.volumes[4]"]
    assert "bind mount ./scripts -> /scripts" in said["services.worker.volumes[2]"]   # long syntax, type: bind
    assert "/etc/exports.d is a system folder" in said["services.worker.volumes[3]"]
    assert "exports" not in env_resources(volumes)
    assert "managed postgres resource 'db': the managed resource holds the data" in said["volumes.pgdata"]
    assert "no imported service mounts it" in said["volumes.unused"]


def env_resources(result) -> dict:
    return result.document["environments"]["production"].get("resources") or {}


def test_volume_edge_cases():
    """The same volume twice in one service, one path inside another volume's, a one-letter name."""
    result = import_files("compose", {"compose.yaml": (
        "services:\n  app:\n    image: nginx\n    volumes:\n      - a:/data\n      - a:/other\n"
        "      - b:/data/b\n      - type: volume\n        source: c\n        target: /c\n"
        "        volume: {subpath: sub}\n")})
    assert env_resources(result) == {"a-data": {"kind": "volume"}, "c-data": {"kind": "volume"}}
    assert services(result)["app"]["links"] == {"a-data": "/data", "c-data": "/c"}
    assert "a second time, at /other" in message(result, "compose.yaml", "services.app.volumes[1]")
    assert "/data/b is inside volume 'a-data' at /data" in message(result, "compose.yaml", "services.app.volumes[2]")
    assert "subpath: 'sub' not imported: the whole volume is mounted" in message(
        result, "compose.yaml", "services.app.volumes[3].volume.subpath")


def test_an_sqs_emulator_stays_a_service_and_says_how_queues_replace_it():
    """ElasticMQ's queues are named in its own configuration (not in the Compose file) and the apps
    reach it through an endpoint override: it is not turned into queue resources, but the warning
    says what replaces it, naming the variables that point at it."""
    text = """\
services:
  app:
    image: ghcr.io/acme/app:1
    ports: ["8000:8000"]
    environment:
      SQS_ENDPOINT: http://elasticmq:9324
      JOBS_QUEUE: jobs
    depends_on: [elasticmq]
  sqs:
    image: softwaremill/elasticmq-native:1.6.9
    ports: ["9324:9324"]
  elasticmq:
    image: softwaremill/elasticmq-native:1.6.9
    ports: ["9324:9324", "9325:9325"]
"""
    result = import_files("compose", {"compose.yaml": text})
    assert document_problems(result.document) == []
    prod = result.document["environments"]["production"]
    assert "resources" not in prod and {"app", "sqs", "elasticmq"} == set(prod["services"])
    said = message(result, "compose.yaml", "services.elasticmq")
    assert "elasticmq runs softwaremill/elasticmq-native:1.6.9, an SQS emulator (ElasticMQ)" in said
    assert "a queue resource (kind: queue, SQS with a dead-letter queue) replaces each" in said
    assert "(SQS_ENDPOINT of app points at it)" in said and "Then remove the elasticmq service" in said
    assert "points at it" not in message(result, "compose.yaml", "services.sqs")   # nobody names that one
    # not "call it by its private address": that is for apps
    assert "services.app.environment.SQS_ENDPOINT" not in keys_of(result, "compose.yaml")


def test_one_warning_per_registry_host_says_how_deploys_pull_private_images():
    """An image whose first path component is a host (a '.' or ':' in it) is in that registry: one
    warning per host, at the first service using it, names its images and `launchbay registries
    login`. Docker Hub (short names, docker.io written out) and Amazon ECR need no login; a data store
    becomes a managed resource and a built service's image is only the tag of its build."""
    result = import_files("compose", {"compose.yaml": """services:
  api:
    image: ghcr.io/acme/api:1.4
    ports: ["8000:8000"]
  jobs:
    image: registry.gitlab.com/acme/shop/jobs:2
  worker:
    image: ghcr.io/acme/worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  local:
    image: localhost:5000/acme/tool:dev
  hub:
    image: nginx:1.27
  hub-long:
    image: docker.io/library/nginx:1.27
  hub-org:
    image: acme/private-tool:3
  ecr:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1
  ecr-public:
    image: public.ecr.aws/nginx/nginx:1.27
  built:
    image: quay.io/acme/built:1
    build: .
  db:
    image: registry.example.com/mirror/postgres:16
"""})
    assert document_problems(result.document) == []
    svcs = services(result)
    assert svcs["api"]["image"] == "ghcr.io/acme/api:1.4" and svcs["jobs"]["image"] == "registry.gitlab.com/acme/shop/jobs:2"
    registry = {w["key"]: w["message"] for w in result.warnings if "registries login" in w["message"]}
    assert sorted(registry) == ["services.api.image", "services.jobs.image", "services.local.image"]
    ghcr = registry["services.api.image"]
    assert ghcr.startswith("images ghcr.io/acme/api:1.4 (api), ghcr.io/acme/worker@sha256:") and \
        "(worker) are in the registry ghcr.io: a public image needs nothing; if it is private, an organization " \
        "admin runs `launchbay registries login ghcr.io -u <user>` before the first deploy" in ghcr
    assert "deploys of images in ghcr.io then pull with those credentials" in ghcr
    assert "image registry.gitlab.com/acme/shop/jobs:2 (jobs) is in the registry registry.gitlab.com" in \
        registry["services.jobs.image"] and "registries login registry.gitlab.com -u <user>" in \
        registry["services.jobs.image"]
    assert "registries login localhost:5000 -u <user>" in registry["services.local.image"]


def test_logging_drivers_say_what_a_log_drain_replaces():
    result = import_files("compose", {"compose.yaml": """\
services:
  web:
    image: nginx:1.27
    logging:
      driver: fluentd
      options: {fluentd-address: "localhost:24224"}
  worker:
    image: nginx:1.27
    logging: {driver: json-file, options: {max-size: 10m}}
"""})
    assert document_problems(result.document) == []
    shipped = message(result, "compose.yaml", "services.web.logging")
    assert "logging driver fluentd (and its options) is not imported" in shipped
    assert "add a log_drain resource (destination datadog or newrelic, or http" in shipped
    assert "launchbay resources create logs --kind log-drain" in shipped
    kept = message(result, "compose.yaml", "services.worker.logging")
    assert "logging driver json-file is not imported: Launchbay collects stdout/stderr" in kept and \
        "log_drain" not in kept


@pytest.mark.parametrize("platform, architecture", [
    ("linux/arm64", "arm64"), ("linux/arm64/v8", "arm64"), ("linux/aarch64", "arm64"), ("linux/amd64", None),
    ("linux/x86_64", None)])
def test_the_platform_becomes_the_architecture(platform, architecture):
    result = import_files("compose", {"compose.yaml": f"services:\n  app:\n    image: nginx\n    platform: {platform}\n"})
    assert services(result)["app"].get("architecture") == architecture
    assert "services.app.platform" not in keys_of(result, "compose.yaml")


@pytest.mark.parametrize("platform, said", [
    ("windows/amd64", "non-Linux containers are not supported"), ("linux/arm/v7", "not one Fargate runs"),
    ("linux/386", "not one Fargate runs")])
def test_a_platform_fargate_does_not_run_is_a_warning(platform, said):
    result = import_files("compose", {"compose.yaml": f"services:\n  app:\n    image: nginx\n    platform: {platform}\n"})
    assert "architecture" not in services(result)["app"]
    assert said in message(result, "compose.yaml", "services.app.platform")
