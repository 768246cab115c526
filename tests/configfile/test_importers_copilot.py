"""Copilot importer on the real sample and on a fixture covering the manifest reference."""
from __future__ import annotations

import pytest

from chalicelib.configfile.importers import ImportFileError, document_problems, import_files
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


def test_every_unmappable_frontend_key_is_a_warning(full):
    keys = keys_of(full, FRONTEND)
    for key in ("image.build", "image.build.args", "image.healthcheck", "http.path", "http.healthcheck.port",
                "http.healthcheck.success_codes", "http.deregistration_delay", "http.stickiness",
                "http.allowed_source_ips", "http.alias", "environments.prod-us.http.alias", "count.memory_percentage",
                "entrypoint", "secrets.GITHUB_TOKEN", "secrets.DB_SECRET", "platform", "exec", "storage.ephemeral",
                "network",
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
                   "cpu": 256, "memory": 512, "min_instances": 2, "max_instances": 2, "env": {"DB_HOST": "db.internal"}}
    assert "no public endpoint" in message(full, "copilot/api/manifest.yml", "type")
    assert {"image.port", "image.healthcheck", "exec"} <= keys_of(full, "copilot/api/manifest.yml")
    worker = svcs["events-worker"]
    assert worker["kind"] == "worker" and (worker["min_instances"], worker["max_instances"]) == (1, 5)
    assert {"subscribe", "count.queue_delay", "count.range.spot_from"} <= keys_of(full, "copilot/events-worker/manifest.yml")
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
