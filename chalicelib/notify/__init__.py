"""Notifications: per-project subscriptions that deliver deployment (and preview) events to
signed webhooks and Slack-compatible incoming webhooks, by Celery, with a delivery log."""
