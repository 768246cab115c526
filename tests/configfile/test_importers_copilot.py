"""Copilot importer on the real sample and on a fixture covering the manifest reference."""
from __future__ import annotations

import pytest

from chalicelib.configfile.importers import ImportFileError, document_problems, import_files
from chalicelib.configfile.parse import validate
from tests.configfile.samples import FIXTURES, keys_of, message, read_case, sample, sample_cases

MIGRATE = "copilot/migrate/manifest.yml"
FRONTEND = "copilot/frontend/manifest.yml"


def test_every_real_sample_has_its_own_test():
    assert sample_cases("copilot") in ([], ["job-mymove-migrate"])


def test_scheduled_job_sample_mymove_migrate():
    result = import_files("copilot", sample("copilot", "job-mymove-migrate"))
    assert document_problems(result.document) == []
    envs = result.document["environments"]
    assert list(envs) == ["production"]   # no environment named anywhere
    job = envs["production"]["services"]["migrate"]
    assert job["kind"] == "cron"
    assert job["schedule"] == "rate(3 minutes)"   # "@every 3m"
    assert job["source"] == {"dockerfile": "Dockerfile.migrations_local", "context": "."}
    assert (job["cpu"], job["memory"]) == (256, 512)
    assert job["env"]["DB_PORT"] == "5432" and job["env"]["DB_HOST"] == "database"
    assert job["env"]["MIGRATION_PATH"] == "file:///migrate/schema;file:///migrate/secure"
    # the password is not copied into a file meant for version control
    assert "DB_PASSWORD" not in job["env"] and job["secrets"] == ["DB_PASSWORD"]
    assert "mysecretpassword" not in repr(result.document) + repr(result.warnings)
    assert keys_of(result, MIGRATE) == {"image.build", "variables.DB_PASSWORD"}
    assert "source.repo" in message(result, MIGRATE, "image.build")


@pytest.fixture(scope="module")
def full():
    return import_files("copilot", read_case(FIXTURES / "copilot"))


def test_environments_come_from_every_manifest(full):
    assert document_problems(full.document) == []
    envs = full.document["environments"]
    assert sorted(envs) == ["prod-us", "test"]
    for env in envs.values():   # the base service is in every environment named anywhere
        assert sorted(env["services"]) == ["api", "events-worker", "frontend", "frontend-rdws", "report-generator"]


def test_load_balanced_web_service_with_overrides(full):
    prod = full.document["environments"]["prod-us"]["services"]["frontend"]
    test = full.document["environments"]["test"]["services"]["frontend"]
    assert prod["kind"] == "web" and prod["port"] == 8080
    assert prod["source"] == {"dockerfile": "frontend/Dockerfile", "context": "frontend"}
    assert prod["health_check"] == {"path": "/_deephealthcheck", "interval_seconds": 15, "timeout_seconds": 10,
                                    "healthy_threshold": 4, "unhealthy_threshold": 2, "grace_period_seconds": 120}
    assert (prod["cpu"], prod["memory"]) == (2048, 4096)      # prod-us override
    assert (test["cpu"], test["memory"]) == (1024, 3072)      # 1000/3000 snapped
    assert (prod["min_instances"], prod["max_instances"]) == (1, 10)
    assert prod["autoscaling"] == {"cpu_target": 70.0, "requests_per_target": 1000}
    assert (test["min_instances"], test["max_instances"]) == (1, 1) and "autoscaling" not in test  # count: 1
    assert prod["domain"] == "shop.example.com" and test["domain"] == "www.example.com"
    assert prod["command"] == ["/bin/tini", "--", "gunicorn", "app:app", "--bind", "0.0.0.0:8080"]
    assert prod["env"] == {"LOG_LEVEL": "info", "APP_ENV": "prod-us", "DEBUG": "false"}
    assert test["env"]["LOG_LEVEL"] == "debug" and test["env"]["APP_ENV"] == "test"
    assert prod["secrets"] == ["DB_SECRET", "GITHUB_TOKEN"]
    assert prod["architecture"] == test["architecture"] == "arm64"            # platform: linux/arm64
    assert "platform" not in keys_of(full, FRONTEND)


def test_every_unmappable_frontend_key_is_a_warning(full):
    keys = keys_of(full, FRONTEND)
    for key in ("image.build", "image.build.args", "image.healthcheck", "http.path", "http.healthcheck.port",
                "http.healthcheck.success_codes", "http.deregistration_delay", "http.stickiness",
                "http.allowed_source_ips", "http.alias", "environments.prod-us.http.alias", "count.memory_percentage",
                "entrypoint", "secrets.GITHUB_TOKEN", "secrets.DB_SECRET", "exec", "storage.ephemeral",
                "network.vpc.placement",
                "logging", "observability", "taskdef_overrides", "sidecars", "variables.APP_ENV", "cpu"):
        assert key in keys, key
    assert "example.com not imported" in message(full, FRONTEND, "http.alias")
    assert "routes by host" in message(full, FRONTEND, "http.path")
    assert "set its value" in message(full, FRONTEND, "secrets.DB_SECRET")
    assert "cpu 1024 / memory 3072" in message(full, FRONTEND, "cpu")
    assert "ephemeral storage of 100 GiB is not imported" in message(full, FRONTEND, "storage.ephemeral")


def test_other_service_types(full):
    svcs = full.document["environments"]["prod-us"]["services"]
    api = svcs["api"]
    assert api == {"kind": "worker", "image": "aws_account_id.dkr.ecr.us-west-2.amazonaws.com/api:latest",
                   "cpu": 256, "memory": 512, "min_instances": 2, "max_instances": 2, "env": {"DB_HOST": "db.internal"},
                   "links": {"events-worker-queue": "EVENTS_WORKER_QUEUE_URL:send"}}   # events-worker subscribes
    assert "no public endpoint" in message(full, "copilot/api/manifest.yml", "type")
    assert {"image.port", "image.healthcheck", "exec"} <= keys_of(full, "copilot/api/manifest.yml")
    worker = svcs["events-worker"]
    assert worker["kind"] == "worker" and (worker["min_instances"], worker["max_instances"]) == (1, 5)
    assert worker["links"] == {"events-worker-queue": "COPILOT_QUEUE_URI"}
    assert worker["autoscaling"] == {"cpu_target": 60.0, "queue": {"name": "events-worker-queue",
                                                                  "messages_per_task": 240}}   # 1m / 250ms
    assert full.document["environments"]["prod-us"]["resources"]["events-worker-queue"] == {
        "kind": "queue", "visibility_timeout_seconds": 30}                  # Copilot's default timeout
    assert {"subscribe", "subscribe.topics[0]", "count.queue_delay"} <= keys_of(full, "copilot/events-worker/manifest.yml")
    assert worker["spot"] == {"percent": 100, "on_demand_base": 1}         # spot_from: 2, exactly
    assert "count.range.spot_from" not in keys_of(full, "copilot/events-worker/manifest.yml")
    rdws = svcs["frontend-rdws"]
    assert rdws["kind"] == "web" and rdws["port"] == 80 and rdws["domain"] == "web.example.com"
    assert {"type", "instance_role"} <= keys_of(full, "copilot/rdws/manifest.yml")
    assert svcs["report-generator"]["schedule"] == "@daily"     # prod-us override
    test_job = full.document["environments"]["test"]["services"]["report-generator"]
    assert test_job["kind"] == "cron" and test_job["schedule"] == "0 9 * * 1-5"
    assert test_job["command"] == ["python", "report.py", "--all"]
    assert {"retries", "timeout"} <= keys_of(full, "copilot/report/manifest.yml")
    assert "not supported" in message(full, "copilot/site/manifest.yml", "type")


def test_environment_manifests_warn_per_key(full):
    assert keys_of(full, "copilot/environments/test/manifest.yml") == {"network", "http", "observability"}
    assert keys_of(full, "copilot/environments/prod-us/manifest.yml") == {"cdn"}


def test_schedules_and_counts():
    def job(schedule):
        text = f"name: j\ntype: Scheduled Job\non:\n  schedule: '{schedule}'\nimage:\n  location: busybox\n"
        return import_files("copilot", {"copilot/j/manifest.yml": text})
    assert job("@every 1h30m").document["environments"]["production"]["services"]["j"]["schedule"] == "rate(90 minutes)"
    assert job("@every 2h").document["environments"]["production"]["services"]["j"]["schedule"] == "rate(2 hours)"
    assert job("cron(0 3 * * ? *)").document["environments"]["production"]["services"]["j"]["schedule"] == "cron(0 3 * * ? *)"
    bad = job("none")
    assert bad.document["environments"]["production"]["services"] == {}
    assert "not imported" in message(bad, "copilot/j/manifest.yml", "on.schedule")


def test_interpolation_of_other_variables_is_warned():
    text = "name: w\ntype: Load Balanced Web Service\nimage:\n  location: nginx\n  port: 80\nvariables:\n  TAG: ${TAG}\n"
    result = import_files("copilot", {"copilot/w/manifest.yml": text})
    assert result.document["environments"]["production"]["services"]["w"]["env"]["TAG"] == "${TAG}"
    assert "copilot deploy" in message(result, "copilot/w/manifest.yml", "variables.TAG")


def test_image_credentials_keep_the_image_and_say_how_deploys_pull_it():
    """`image.credentials` names the Secrets Manager secret ECS pulls a private registry with: the
    image is kept, the secret is not read, and the warning names the registry and the login to run."""
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-pull-AbCdEf"

    def manifest(name: str, image: str) -> str:
        return f"name: {name}\ntype: Backend Service\nimage:\n{image}"

    result = import_files("copilot", {
        "copilot/api/manifest.yml": manifest("api", f"  location: ghcr.io/acme/api:1.4\n  credentials: {arn}\n") + (
            "environments:\n  staging: {}\n  prod:\n    image:\n      location: registry.gitlab.com/acme/api:1.4\n"),
        "copilot/hub/manifest.yml": manifest("hub", f"  location: acme/private:2\n  credentials: {arn}\n"),
        "copilot/ecr/manifest.yml": manifest("ecr", "  location: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ecr:1\n"
                                                    f"  credentials: {arn}\n"),
        "copilot/built/manifest.yml": manifest("built", f"  build: Dockerfile\n  credentials: {arn}\n")})
    assert document_problems(result.document) == []
    envs = result.document["environments"]
    assert envs["staging"]["services"]["api"]["image"] == "ghcr.io/acme/api:1.4"
    assert envs["prod"]["services"]["api"]["image"] == "registry.gitlab.com/acme/api:1.4"
    assert envs["prod"]["services"]["hub"]["image"] == "acme/private:2"
    api = message(result, "copilot/api/manifest.yml", "image.credentials")
    assert f"image ghcr.io/acme/api:1.4 is pulled from the private registry ghcr.io with credentials (Secrets " \
           f"Manager {arn}); they are not imported (their value stays in AWS): an organization admin runs " \
           "`launchbay registries login ghcr.io -u <user>` before the first deploy" in api
    # prod's image is elsewhere: that registry is named too (the credentials come from the base manifest)
    assert "`launchbay registries login registry.gitlab.com -u <user>`" in api
    assert "`launchbay registries login docker.io -u <user>`" in message(result, "copilot/hub/manifest.yml",
                                                                         "image.credentials")
    assert "is an Amazon ECR registry: its images are pulled with the task execution role" in \
        message(result, "copilot/ecr/manifest.yml", "image.credentials")
    assert "there is none to pull" in message(result, "copilot/built/manifest.yml", "image.credentials")
    assert not any("image setting 'credentials'" in w["message"] for w in result.warnings)


def test_unreadable_files_raise_with_file_and_line():
    with pytest.raises(ImportFileError) as err:
        import_files("copilot", {"copilot/w/manifest.yml": "name: w\ntype: [unclosed\n"})
    assert err.value.file == "copilot/w/manifest.yml" and err.value.line == 3
    with pytest.raises(ImportFileError) as err:
        import_files("copilot", {"copilot/w/manifest.yml": "\n- a\n- b\n"})
    assert err.value.line == 2 and "mapping" in str(err.value)
    with pytest.raises(ImportFileError, match="no Copilot service manifest"):
        import_files("copilot", {"README.md": "hello"})
    with pytest.raises(ValueError, match="unknown import format"):
        import_files("kubernetes", {"a.yaml": "a: 1"})


CMS = "copilot/cms/manifest.yml"


@pytest.fixture(scope="module")
def storage():
    return import_files("copilot", read_case(FIXTURES / "copilot-storage"))


def test_managed_efs_volumes_become_volume_resources_linked_at_their_paths(storage):
    """efs: true (or uid/gid) is a volume Copilot makes: a volume resource of each environment, linked at
    its path, read-only unless read_only: false (Copilot's default), per environment as overridden. A
    volume name two services use is two resources: Copilot gives each service its own directory."""
    from chalicelib.configfile.parse import validate

    assert document_problems(storage.document) == []
    validate(storage.document)
    prod, test = (storage.document["environments"][e] for e in ("prod", "test"))
    assert prod["resources"] == test["resources"] == {
        "wp-content": {"kind": "volume"}, "cms-shared": {"kind": "volume"}, "report-shared": {"kind": "volume"}}
    assert prod["services"]["cms"]["links"] == {"wp-content": "/var/www/html/wp-content", "cms-shared": "/srv/shared:ro"}
    assert test["services"]["cms"]["links"]["wp-content"] == "/var/www/html/wp-content:ro"   # test's override
    assert prod["services"]["report"]["links"] == {"report-shared": "/data"}
    wp = message(storage, CMS, "storage.volumes.wpContent")
    assert "imported as the volume resource 'wp-content'" in wp and "as WP_CONTENT_PATH" in wp
    assert "read-only" in message(storage, CMS, "environments.test.storage.volumes.wpContent")
    shared = message(storage, CMS, "storage.volumes.shared")
    assert "'cms-shared' (named after cms too" in shared and "sets no read_only: Copilot mounts it read-only" in shared
    assert "report-shared" in message(storage, "copilot/report/manifest.yml", "storage.volumes.shared")


def test_storage_copilot_does_not_make_is_a_warning(storage):
    assert keys_of(storage, CMS) == {
        "storage.ephemeral", "storage.readonly_fs", "storage.volumes.wpContent", "storage.volumes.shared",
        "storage.volumes.shared.efs", "storage.volumes.legacy", "storage.volumes.scratch",
        "environments.test.storage.volumes.wpContent"}
    legacy = message(storage, CMS, "storage.volumes.legacy")
    assert "existing EFS file system fs-0123456789abcdef0: not imported" in legacy and "/mnt/legacy" in legacy
    assert "not on EFS" in message(storage, CMS, "storage.volumes.scratch")
    assert "uid and gid are not imported" in message(storage, CMS, "storage.volumes.shared.efs")
    assert "20 GiB" in message(storage, CMS, "storage.ephemeral")
    assert "legacy" not in repr(storage.document) and "scratch" not in repr(storage.document)


WORKER = "copilot/orders-worker/manifest.yml"


@pytest.fixture(scope="module")
def workers():
    return import_files("copilot", read_case(FIXTURES / "copilot-worker"))


def test_a_worker_services_queue_becomes_a_queue_resource_linked_as_copilot_gives_it(workers):
    """The Worker Service's queue (subscribe.queue) is a queue resource of each environment: timeout,
    retention and dead_letter.tries become its visibility timeout, retention days and max receives
    (Copilot's default timeout, 30 s, kept), fifo its order, per environment as overridden. The
    worker links it as COPILOT_QUEUE_URI and scales on its backlog: count.queue_delay's
    acceptable_latency / msg_processing_time messages per task."""
    from chalicelib.configfile.parse import validate

    assert document_problems(workers.document) == []
    validate(workers.document)
    test, prod = (workers.document["environments"][e] for e in ("test", "prod"))
    assert test["resources"] == {
        "orders-worker-queue": {"kind": "queue", "visibility_timeout_seconds": 45, "retention_days": 4,
                                "max_receives": 10},
        "reports-queue": {"kind": "queue", "visibility_timeout_seconds": 43200, "retention_days": 14,
                          "max_receives": 1000}}
    assert prod["resources"]["orders-worker-queue"] == {      # prod's override: 36h, FIFO
        "kind": "queue", "visibility_timeout_seconds": 45, "retention_days": 2, "max_receives": 10, "fifo": True}
    worker = test["services"]["orders-worker"]
    assert worker["kind"] == "worker" and (worker["min_instances"], worker["max_instances"]) == (1, 10)
    assert worker["links"] == {"orders-worker-queue": "COPILOT_QUEUE_URI"}
    assert worker["autoscaling"] == {"cpu_target": 60.0,
                                     "queue": {"name": "orders-worker-queue", "messages_per_task": 2400}}
    assert prod["services"]["orders-worker"]["autoscaling"]["queue"]["messages_per_task"] == 100000   # 1h / 10ms
    assert (prod["services"]["orders-worker"]["min_instances"], prod["services"]["orders-worker"]["max_instances"]) == \
        (2, 20)
    # its own COPILOT_QUEUE_URI (an old queue's URL) gives way to the link
    assert test["services"]["reports"] == {"kind": "worker", "image": "public.ecr.aws/acme/reports:0.9",
                                           "min_instances": 1, "max_instances": 1,
                                           "links": {"reports-queue": "COPILOT_QUEUE_URI"}}
    said = message(workers, WORKER, "subscribe.queue")
    assert "imported as the queue resource 'orders-worker-queue' (standard, messages hidden 45 s once received, " \
           "kept 4 days, dead after 10 receives), linked to orders-worker as COPILOT_QUEUE_URI and send-only to " \
           "orders as ORDERS_WORKER_QUEUE_URL" in said
    assert "(FIFO, messages hidden 45 s" in message(workers, WORKER, "environments.prod.subscribe.queue")
    assert "2400 waiting messages per task" in message(workers, WORKER, "count.queue_delay")
    assert "above Launchbay's 100000" in message(workers, WORKER, "environments.prod.count.queue_delay")


def test_a_topics_publisher_gets_the_queue_send_only_and_the_rest_is_a_warning(workers):
    """SNS topics have no Launchbay equivalent: each subscription says so; the publishing service,
    when among the manifests, is linked to the queue send-only so that it can send there instead."""
    for env in ("test", "prod"):
        orders = workers.document["environments"][env]["services"]["orders"]
        assert orders["links"] == {"orders-worker-queue": "ORDERS_WORKER_QUEUE_URL:send"}
    first = message(workers, WORKER, "subscribe.topics[0]")
    assert "SNS topic 'order-events' of orders is not imported: Launchbay has no managed topics" in first
    assert "orders is linked to 'orders-worker-queue' send-only as ORDERS_WORKER_QUEUE_URL" in first
    assert "with a MessageGroupId: the queue is FIFO" in first                  # prod's FIFO queue
    assert "not wrapped in SNS's envelope" in first
    assert "warehouse is not among these manifests" in message(workers, WORKER, "subscribe.topics[1]")
    assert "COPILOT_TOPIC_QUEUE_URIS" in message(workers, WORKER, "subscribe.topics[1].queue")
    assert "filter in its code" in message(workers, WORKER, "subscribe.topics[0].filter_policy")
    assert "Launchbay has no managed topics" in message(workers, "copilot/orders/manifest.yml", "publish")


def test_what_a_launchbay_queue_cannot_keep_is_a_warning(workers):
    assert {"subscribe.queue.delay", "environments.prod.subscribe.queue.retention",
            "environments.prod.subscribe.queue.fifo.high_throughput", "count.queue_delay.cooldown"} <= \
        keys_of(workers, WORKER)
    assert "hands a message out at once" in message(workers, WORKER, "subscribe.queue.delay")
    assert "36h kept as 2 days" in message(workers, WORKER, "environments.prod.subscribe.queue.retention")
    reports = "copilot/reports/manifest.yml"
    assert "timeout 13h (46800 seconds) is outside Launchbay's 0-43200 seconds; 43200 is used" in \
        message(workers, reports, "subscribe.queue.timeout")
    assert "1000 is used" in message(workers, reports, "subscribe.queue.dead_letter.tries")
    assert "the link to 'reports-queue' gives it" in message(workers, reports, "variables.COPILOT_QUEUE_URI")
    # a worker without dead_letter.tries is told its failing messages now go dead after 5 receives
    bare = import_files("copilot", {"copilot/w/manifest.yml": "name: w\ntype: Worker Service\nimage:\n  "
                                                              "location: busybox\n"})
    prod = bare.document["environments"]["production"]
    assert prod["resources"] == {"w-queue": {"kind": "queue", "visibility_timeout_seconds": 30}}
    assert prod["services"]["w"]["links"] == {"w-queue": "COPILOT_QUEUE_URI"}
    assert "after 5 receives such a message moves there" in message(bare, "copilot/w/manifest.yml", "type")


WEB = "copilot/web/manifest.yml"
API = "copilot/api/manifest.yml"
SHIPPER = "copilot/shipper/manifest.yml"


def firelens(name: str, logging: str, kind: str = "Backend Service") -> str:
    return f"name: {name}\ntype: {kind}\nimage:\n  location: nginx:1.27\n{logging}"


def test_firelens_to_datadog_or_new_relic_becomes_a_log_drain_whose_key_is_named_not_copied():
    datadog = """\
logging:
  retention: 30
  enableMetadata: true
  destination:
    Name: datadog
    Host: http-intake.logs.datadoghq.eu
    TLS: "on"
    dd_service: web
    dd_tags: team:shop
    apikey: plain-dd-s3cret
  secretOptions:
    apikey: /copilot/shop/prod/secrets/DD_API_KEY
"""
    result = import_files("copilot", {WEB: firelens("web", datadog), API: firelens("api", datadog),
                                      SHIPPER: firelens("shipper", "")})
    assert document_problems(result.document) == []
    resources = result.document["environments"]["production"]["resources"]
    assert resources == {"datadog": {   # Datadog's EU site; not shipper: it did not route there
        "kind": "log_drain", "destination": "datadog", "url": "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input",
        "services": ["api", "web"], "access_key_env": "DD_API_KEY"}}
    said = message(result, API, "logging")
    assert "FireLens logging to Datadog of api, web imported as the log drain datadog" in said, said
    assert "from SSM parameter /copilot/shop/prod/secrets/DD_API_KEY) is not copied: export it as DD_API_KEY" in said
    assert "launchbay resources create datadog --kind log-drain --destination datadog --access-key-stdin" in said
    assert "logging retention not imported" in said
    assert "FireLens options dd_service, dd_tags not imported" in message(result, WEB, "logging")
    assert "in plain text: not copied; rotate it" in message(result, WEB, "logging.destination.apikey")
    assert "plain-dd-s3cret" not in repr(result.document) + repr(result.warnings)   # nor in any warning


def test_every_service_routing_to_new_relic_gives_a_drain_of_every_service():
    newrelic = """\
logging:
  destination:
    Name: nrlogs
    base_uri: https://log-api.eu.newrelic.com/log/v1
  secretOptions:
    licenseKey: arn:aws:ssm:eu-west-1:123456789012:parameter/nr-license
"""
    result = import_files("copilot", {WEB: firelens("web", newrelic), API: firelens("api", newrelic)})
    assert document_problems(result.document) == []
    drain = result.document["environments"]["production"]["resources"]["newrelic"]
    assert drain == {"kind": "log_drain", "destination": "newrelic", "url": "https://aws-api.eu.newrelic.com/firehose/v1",
                     "access_key_env": "NR_LICENSE"}                       # every service: none named
    assert "of api, web imported as the log drain newrelic (every service;" in message(result, API, "logging")


def test_firelens_outputs_a_drain_cannot_replace_are_warnings_saying_what_would():
    http = "logging:\n  destination:\n    Name: http\n    Host: logs.example.com\n    URI: /in\n"
    es = "logging:\n  destination:\n    Name: es\n    Host: search.example.com\n"
    result = import_files("copilot", {WEB: firelens("web", http), API: firelens("api", es)})
    assert document_problems(result.document) == []
    assert "resources" not in result.document["environments"]["production"]
    assert "FireLens output http of web not imported: Firehose posts its own format" in message(result, WEB, "logging")
    assert "destination http and its URL" in message(result, WEB, "logging")
    assert "FireLens output es of api not imported: a log_drain sends to Datadog, New Relic or an HTTPS endpoint" in \
        message(result, API, "logging")


def test_the_cloudwatch_output_needs_nothing(full):
    assert "FireLens output cloudwatch not imported: Launchbay keeps the logs in CloudWatch Logs already" in \
        message(full, FRONTEND, "logging")


def test_private_placement_turns_on_the_environment_s_static_egress(full):
    """`network.vpc.placement: private`: the tasks leave through the environment's NAT gateway; in
    Launchbay that is the environment's static_egress (one Elastic IP), said in a note."""
    assert {name: env.get("static_egress") for name, env in full.document["environments"].items()} == \
        {"prod-us": True, "test": True}                 # frontend is in both, its placement in its base
    said = message(full, FRONTEND, "network.vpc.placement")
    assert "imported as static_egress: true on the environment" in said and "every service there" in said


def test_placement_per_environment_and_what_else_network_sets():
    web = """\
name: web
type: Load Balanced Web Service
image: {location: nginx:1.27, port: 80}
network:
  vpc:
    security_groups: [sg-0123]
  connect: true
environments:
  prod:
    network: {vpc: {placement: private}}
  test:
    network: {vpc: {placement: {subnets: [subnet-0a]}}}
  dev:
    network: {vpc: {placement: public}}
"""
    result = import_files("copilot", {"copilot/web/manifest.yml": web})
    assert document_problems(result.document) == []
    envs = result.document["environments"]
    assert envs["prod"]["static_egress"] is True
    assert "static_egress" not in envs["test"] and "static_egress" not in envs["dev"]
    file = "copilot/web/manifest.yml"
    assert "static_egress: true" in message(result, file, "environments.prod.network.vpc.placement")
    assert "placement in chosen subnets is not imported" in message(result, file, "environments.test.network.vpc.placement")
    assert "security groups" in message(result, file, "network.vpc.security_groups")
    assert "service connect" in message(result, file, "network.connect")
    assert not any(w["key"].endswith("placement") for w in result.warnings if "dev" in w["key"])


def _web(extra: str) -> dict:
    text = f"name: w\ntype: Load Balanced Web Service\nimage:\n  location: nginx\n  port: 80\n{extra}"
    return import_files("copilot", {"copilot/w/manifest.yml": text})


def _svc(result) -> dict:
    return result.document["environments"]["production"]["services"]["w"]


@pytest.mark.parametrize("platform, architecture", [
    ("linux/arm64", "arm64"), ("linux/arm", "arm64"), ("{osfamily: linux, architecture: arm64}", "arm64"),
    ("{architecture: arm64}", "arm64"), ("linux/x86_64", None), ("linux/amd64", None),
    ("{osfamily: linux, architecture: x86_64}", None)])
def test_the_platform_becomes_the_architecture(platform, architecture):
    result = _web(f"platform: {platform}\n")
    assert document_problems(result.document) == []
    assert _svc(result).get("architecture") == architecture
    assert "platform" not in keys_of(result, "copilot/w/manifest.yml")


@pytest.mark.parametrize("platform", ["windows/x86_64", "windows/amd64",
                                      "{osfamily: windows_server_2019_core, architecture: x86_64}"])
def test_a_windows_platform_is_a_warning(platform):
    result = _web(f"platform: {platform}\n")
    assert "architecture" not in _svc(result) and _svc(result)["image"] == "nginx"   # imported all the same
    assert "Windows containers are not supported" in message(result, "copilot/w/manifest.yml", "platform")


def test_a_platform_override_per_environment():
    result = _web("platform: linux/x86_64\nenvironments:\n  prod:\n    platform: linux/arm64\n"
                  "  test:\n    platform: windows/x86_64\n")
    envs = result.document["environments"]
    assert envs["prod"]["services"]["w"]["architecture"] == "arm64" and "architecture" not in envs["test"]["services"]["w"]
    assert "Windows" in message(result, "copilot/w/manifest.yml", "environments.test.platform")


def test_fargate_spot_says_what_copilot_runs():
    every = _svc(_web("count:\n  spot: 3\n"))       # 3 tasks, all on Spot
    assert (every["min_instances"], every["max_instances"]) == (3, 3)
    assert every["spot"] == {"percent": 100, "on_demand_base": 0}
    ranged = _web("count:\n  range: {min: 1, max: 10, spot_from: 3}\n  cpu_percentage: 70\n")
    assert document_problems(ranged.document) == [] and ranged.warnings == []
    svc = _svc(ranged)
    assert (svc["min_instances"], svc["max_instances"]) == (1, 10) and svc["autoscaling"] == {"cpu_target": 70.0}
    assert svc["spot"] == {"percent": 100, "on_demand_base": 2}   # tasks 1 and 2 regular, the 3rd on
    for spot_from in (0, 1):   # every task on Spot
        assert _svc(_web(f"count:\n  range: {{min: 1, max: 4, spot_from: {spot_from}}}\n"))["spot"] == {
            "percent": 100, "on_demand_base": 0}
    arm = _web("platform: linux/arm64\ncount:\n  range: {min: 2, max: 4, spot_from: 2}\n")
    assert _svc(arm)["architecture"] == "arm64" and _svc(arm)["spot"] == {"percent": 100, "on_demand_base": 1}
    spec = validate(arm.document).environments["production"].services["w"]   # launchbay.yaml takes it as it is
    assert spec.architecture == "arm64" and spec.spot is not None and spec.spot.on_demand_base == 1


def test_spot_that_launchbay_cannot_say_exactly_is_a_warning():
    beyond = _web("count:\n  range: {min: 1, max: 3, spot_from: 5}\n")
    assert "spot" not in _svc(beyond) and document_problems(beyond.document) == []
    assert "no task ever runs on Fargate Spot" in message(beyond, "copilot/w/manifest.yml", "count.range.spot_from")
    odd = _web("count:\n  range: {min: 1, max: 3, spot_from: many}\n")
    assert "spot" not in _svc(odd) and "not a whole number" in message(odd, "copilot/w/manifest.yml",
                                                                         "count.range.spot_from")
    both = _web("count:\n  range: 1-4\n  spot: 2\n")
    assert "spot" not in _svc(both) and (_svc(both)["min_instances"], _svc(both)["max_instances"]) == (1, 4)
    assert "range.spot_from" in message(both, "copilot/w/manifest.yml", "count.spot")
    per_env = _web("count: 1\nenvironments:\n  prod:\n    count:\n      spot: 2\n")
    assert per_env.document["environments"]["prod"]["services"]["w"]["spot"] == {"percent": 100, "on_demand_base": 0}
