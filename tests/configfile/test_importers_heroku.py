"""Heroku importer on the real samples and on a fixture covering the app.json schema reference."""
from __future__ import annotations

import pytest

from chalicelib.configfile.importers import ImportFileError, document_problems, import_files
from tests.configfile.samples import FIXTURES, keys_of, message, read_case, sample, sample_cases


def test_every_real_sample_has_its_own_test():
    assert sample_cases("heroku") in ([], ["python-getting-started", "webhookdb"])


def test_python_getting_started():
    result = import_files("heroku", sample("heroku", "python-getting-started"))
    assert document_problems(result.document) == []
    assert result.document == {"version": 1, "environments": {"production": {
        "secrets": ["DJANGO_SECRET_KEY"],
        "services": {"web": {"kind": "web", "source": {"repo": "heroku/python-getting-started",
                                                       "dockerfile": "Dockerfile", "context": "."},
                             "port": 8080, "env": {"PORT": "8080"},
                             "command": ["gunicorn", "--config", "gunicorn.conf.py", "gettingstarted.wsgi"]}}}}}
    assert keys_of(result, "app.json") == {"repository", "env.DJANGO_SECRET_KEY", "environments.test"}
    assert keys_of(result, "Procfile") == {"web"}   # the commented-out release line is not a process
    assert "PORT=8080" in message(result, "Procfile", "web")
    assert "source.branch" in message(result, "app.json", "repository")


def test_webhookdb():
    result = import_files("heroku", sample("heroku", "webhookdb"))
    assert document_problems(result.document) == []
    prod = result.document["environments"]["production"]
    assert list(result.document["environments"]) == ["production"]
    assert prod["secrets"] == ["BUNDLE_WITHOUT", "RACK_ENV"]
    web, worker = prod["services"]["web"], prod["services"]["worker"]
    assert sorted(prod["services"]) == ["web", "worker"]   # release is not a service
    assert web["command"] == ["bundle", "exec", "puma", "-C", "config/puma.rb"]
    assert (web["min_instances"], web["max_instances"], web["port"]) == (1, 1, 8080)
    assert worker == {"kind": "worker", "source": {"dockerfile": "Dockerfile", "context": "."},
                      "command": ["bundle", "exec", "sidekiq", "-r", "./config/sidekiq.rb", "-C", "./config/sidekiq.yml"],
                      "links": {"db": "DATABASE_URL", "redis": "REDIS_URL"}}
    assert web["links"] == worker["links"]       # add-ons are attached to the whole app
    assert prod["resources"] == {"db": {"kind": "postgres"}, "redis": {"kind": "redis"}}   # no plan: the defaults
    assert web["release_command"] == ["bundle", "exec", "rake", "release"]   # `release:` runs before web's deploys
    assert "release_command" not in worker
    assert keys_of(result, "Procfile") == {"web", "release"}
    assert "release_command of 'web'" in message(result, "Procfile", "release")
    assert keys_of(result, "app.json") == {
        "buildpacks", "repository", "env.BUNDLE_WITHOUT", "env.RACK_ENV", "env.HEROKU_APP_ID", "env.HEROKU_APP_NAME",
        "env.HEROKU_RELEASE_CREATED_AT", "env.HEROKU_RELEASE_VERSION", "env.HEROKU_SLUG_COMMIT",
        "env.HEROKU_SLUG_DESCRIPTION", "addons[0]", "addons[1]", "addons[2]", "environments.test"}
    assert "DATABASE_URL" in message(result, "app.json", "addons[0]")
    assert "REDIS_URL" in message(result, "app.json", "addons[1]")
    assert "managed redis resource" in message(result, "app.json", "addons[1]")
    assert "not imported" in message(result, "app.json", "addons[2]")        # timber-logging
    assert "dyno metadata" in message(result, "app.json", "env.HEROKU_SLUG_COMMIT")


@pytest.fixture(scope="module")
def full():
    return import_files("heroku", read_case(FIXTURES / "heroku/full"))


def test_full_services(full):
    assert document_problems(full.document) == []
    prod = full.document["environments"]["production"]
    assert prod["env"] == {"WEB_CONCURRENCY": "5", "LANG": "en_US.UTF-8"}
    assert prod["secrets"] == ["MAILER_FROM", "SECRET_TOKEN"]
    svcs = prod["services"]
    assert sorted(svcs) == ["bad-type", "clock", "web", "worker"]
    web = svcs["web"]
    assert web["image"] == "heroku/ruby"
    assert web["command"] == ["sh", "-c", "bundle exec puma -p $PORT -C config/puma.rb"]   # $PORT needs a shell
    assert (web["min_instances"], web["max_instances"], web["cpu"], web["memory"]) == (2, 2, 512, 1024)
    assert (svcs["worker"]["cpu"], svcs["worker"]["memory"]) == (1024, 3072)   # performance-m
    assert svcs["worker"]["command"] == ["bundle", "exec", "sidekiq"]
    assert svcs["clock"]["kind"] == "worker"
    assert svcs["bad-type"]["command"] == ["sh", "-c", "RAILS_ENV=production ./bin/thing"]


def test_full_review_environment(full):
    review = full.document["environments"]["review"]
    assert review["env"] == {"WEB_CONCURRENCY": "1", "LANG": "en_US.UTF-8"}
    assert review["secrets"] == ["MAILER_FROM", "SECRET_TOKEN"]
    web = review["services"]["web"]
    assert (web["min_instances"], web["max_instances"], web["cpu"], web["memory"]) == (1, 1, 256, 512)
    assert full.document["environments"]["production"]["services"]["web"]["cpu"] == 512   # not shared


def test_full_warnings(full):
    assert keys_of(full, "Procfile") == {"line 7", "web", "clock", "release", "Bad_Type"}
    assert keys_of(full, "app.json") == {
        "buildpacks", "stack", "image", "formation.web.size", "formation.worker.size", "formation.urgentworker",
        "env.SECRET_TOKEN", "env.MAILER_FROM", "env.OPTIONAL_FLAG", "addons[0]", "addons[1]", "addons[2]",
        "addons[3]", "addons[4]", "scripts.postdeploy", "scripts.pr-predestroy", "environments.test",
        "environments.review", "environments.review.formation.web.size", "environments.review.addons[0]",
        "success_url"}
    assert "MONGO_URL" in message(full, "app.json", "addons[1]")
    assert "cron service" in message(full, "app.json", "addons[3]")
    assert "clock" in message(full, "Procfile", "clock")
    assert "release_command of 'web'" in message(full, "Procfile", "release")
    assert "sh -c" in message(full, "Procfile", "web")


def test_no_procfile_uses_formation():
    result = import_files("heroku", {"app.json": '{"image": "ghcr.io/acme/app:1", "formation": {"web": {"quantity": 3}}}'})
    web = result.document["environments"]["production"]["services"]["web"]
    assert web == {"kind": "web", "image": "ghcr.io/acme/app:1", "port": 8080, "env": {"PORT": "8080"},
                   "min_instances": 3, "max_instances": 3}
    assert "formation" in keys_of(result, "app.json")


def test_unreadable_files():
    with pytest.raises(ImportFileError) as err:
        import_files("heroku", {"app.json": '{\n  "env": {,}\n}', "Procfile": "web: x"})
    assert err.value.file == "app.json" and err.value.line == 2
    with pytest.raises(ImportFileError, match="JSON object"):
        import_files("heroku", {"app.json": "[]", "Procfile": "web: x"})
    with pytest.raises(ImportFileError, match="no process types"):
        import_files("heroku", {"Procfile": "# nothing\n"})
    with pytest.raises(ImportFileError, match="release"):
        import_files("heroku", {"Procfile": "release: ./migrate\n"})


def test_a_procfile_release_line_becomes_the_web_release_command():
    result = import_files("heroku", {"Procfile": "web: gunicorn app:app\nrelease: python manage.py migrate\n"})
    assert document_problems(result.document) == []
    web = result.document["environments"]["production"]["services"]["web"]
    assert web["release_command"] == ["python", "manage.py", "migrate"]
    shell = import_files("heroku", {"Procfile": "worker: ./run\nrelease: rake db:migrate && rake cache:clear\n"})
    worker = shell.document["environments"]["production"]["services"]["worker"]   # no web: the first process
    assert worker["release_command"] == ["sh", "-c", "rake db:migrate && rake cache:clear"]


def test_logging_add_ons_say_a_log_drain_replaces_them():
    result = import_files("heroku", {"app.json": '{"name": "shop", "addons": ["papertrail:choklad", "coralogix"]}',
                                     "Procfile": "web: ./serve\n"})
    assert document_problems(result.document) == []
    paper = message(result, "app.json", "addons[0]")
    assert "logging add-on papertrail:choklad is not imported" in paper and "add a log_drain resource" in paper
    assert "`heroku drains`" in paper and "Firehose endpoint URL" not in paper
    assert "Coralogix takes Firehose deliveries: an http drain with its Firehose endpoint URL" in \
        message(result, "app.json", "addons[1]")
