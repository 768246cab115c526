"""Celery task names, in one place: the API publishes by these names (without importing
Celery), worker/tasks registers them, and worker/celery_app's beat schedule refers to them.
tests/unit/test_task_names.py checks that every name here is a registered task."""
from __future__ import annotations

RUN_DEPLOYMENT = "launchbay.run_deployment"
TEARDOWN_SERVICE = "launchbay.teardown_service"
TEARDOWN_ENVIRONMENT = "launchbay.teardown_environment"
RESUME_TEARDOWNS = "launchbay.resume_teardowns"
START_RUN = "launchbay.start_run"
SUSPEND_SERVICE = "launchbay.suspend_service"
RESUME_SUSPENSIONS = "launchbay.resume_suspensions"   # beat: suspensions that lost their task
REAP_DEPLOYMENTS = "launchbay.reap_deployments"
HEALTH_WATCH = "launchbay.health_watch"
SYNC_RUNS = "launchbay.sync_runs"
DETECT_DRIFT = "launchbay.detect_drift"
CLEANUP = "launchbay.cleanup"
RELAY_OUTBOX = "launchbay.relay_outbox"
REINDEX = "launchbay.reindex"
SEARCH_RETENTION = "launchbay.search_retention"
EVALUATE_ALERTS = "launchbay.evaluate_alerts"
RUN_RESOURCE = "launchbay.run_resource"
NOTIFY_EVENT = "launchbay.notify_event"              # one event -> one delivery per subscription
DELIVER_NOTIFICATION = "launchbay.deliver_notification"  # one attempt of one delivery
PROCESS_HOOK = "launchbay.process_hook"
EXPIRE_PREVIEWS = "launchbay.expire_previews"
ANNOUNCE_FREEZES = "launchbay.announce_freezes"      # beat: freeze windows opening and closing, told
TEND_SLEEP = "launchbay.tend_sleep"                  # beat: services put to sleep and woken (deploys/sleep.py)
GITHUB_STATUS = "launchbay.github_status"            # a deployment's status on its commit (hooks/statuses.py)
GITHUB_PR_COMMENT = "launchbay.github_pr_comment"    # a preview's comment on its pull request (hooks/pr_comments.py)
GITHUB_COMMITS = "launchbay.github_commits"          # the commits a deployment brings (hooks/commits.py)
FORGET_GIT_TOKEN = "launchbay.forget_git_token"      # a removed GitHub token leaves the AWS accounts
FORGET_REGISTRY_CREDENTIALS = "launchbay.forget_registry_credentials"   # removed registry credentials, likewise
FORGET_ENV_GROUP_SECRETS = "launchbay.forget_env_group_secrets"   # a removed group secret's (or group's) SSM copies
UPGRADE_HTTPS = "launchbay.upgrade_https"            # beat: custom domains whose certificate was issued (deploys/https.py)
MEASURE_VOLUMES = "launchbay.measure_volumes"        # beat: what each volume holds (resources/engine.py)
REDRIVE_QUEUE = "launchbay.redrive_queue"            # a queue's dead letters moved back (resources/queues.py)
WATCH_QUEUES = "launchbay.watch_queues"              # beat: dead-letter queues that grew, told (resources/queues.py)
WATCH_DRAINS = "launchbay.watch_drains"              # beat: log drains whose endpoint stopped taking lines (resources/drains.py)
SEND_EMAIL = "launchbay.send_email"                  # one attempt at one e-mail (mail/service.py)
SEND_DUE_EMAILS = "launchbay.send_due_emails"        # beat: e-mails no task carries; settled ones forgotten
REQUEST_PASSWORD_RESET = "launchbay.request_password_reset"   # the account looked up off the API's path (accounts/resets.py)
WARN_EXPIRING_TOKENS = "launchbay.warn_expiring_tokens"   # beat: a week's notice of an API token's end (accounts/expiry.py)
RECEIVE_MAIL_FEEDBACK = "launchbay.receive_mail_feedback"   # beat: SES's bounces and complaints (mail/feedback.py)
PURGE_ORGANIZATION = "launchbay.purge_organization"   # a deleted organization's copies in AWS and documents (accounts/org_deletion.py)

PUBLISH_METRICS = "launchbay.publish_platform_metrics"   # queue depth/age, failed deployments

ALL = (RUN_DEPLOYMENT, TEARDOWN_SERVICE, TEARDOWN_ENVIRONMENT, RESUME_TEARDOWNS, START_RUN, REAP_DEPLOYMENTS,
       HEALTH_WATCH, SYNC_RUNS, DETECT_DRIFT, CLEANUP, RELAY_OUTBOX, REINDEX, SEARCH_RETENTION, EVALUATE_ALERTS,
       RUN_RESOURCE, NOTIFY_EVENT, DELIVER_NOTIFICATION, PROCESS_HOOK, EXPIRE_PREVIEWS, PUBLISH_METRICS,
       FORGET_GIT_TOKEN, FORGET_REGISTRY_CREDENTIALS, FORGET_ENV_GROUP_SECRETS, SUSPEND_SERVICE, RESUME_SUSPENSIONS, ANNOUNCE_FREEZES,
       GITHUB_STATUS, GITHUB_PR_COMMENT, TEND_SLEEP, GITHUB_COMMITS, UPGRADE_HTTPS, MEASURE_VOLUMES, REDRIVE_QUEUE,
       WATCH_QUEUES, WATCH_DRAINS, SEND_EMAIL, SEND_DUE_EMAILS, REQUEST_PASSWORD_RESET,
       WARN_EXPIRING_TOKENS, RECEIVE_MAIL_FEEDBACK, PURGE_ORGANIZATION)

# task -> queue (without the prefix). The search index has one writer: its queue is
# consumed by a single worker process with concurrency 1. Others go to "default".
ROUTES = {
    RUN_DEPLOYMENT: "deploys", TEARDOWN_SERVICE: "deploys", TEARDOWN_ENVIRONMENT: "deploys", START_RUN: "deploys",
    RUN_RESOURCE: "deploys", PROCESS_HOOK: "deploys", SUSPEND_SERVICE: "deploys", UPGRADE_HTTPS: "deploys",
    RELAY_OUTBOX: "search", REINDEX: "search", SEARCH_RETENTION: "search",
    # receivers on the internet, slow or down: their own queue and worker, never a deploy's slot
    NOTIFY_EVENT: "notify", DELIVER_NOTIFICATION: "notify", GITHUB_STATUS: "notify", GITHUB_PR_COMMENT: "notify", GITHUB_COMMITS: "notify",
    SEND_EMAIL: "notify", REQUEST_PASSWORD_RESET: "notify", RECEIVE_MAIL_FEEDBACK: "notify",
}
QUEUES = ("deploys", "default", "search", "notify")
