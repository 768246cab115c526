"""How a service is doing: metrics, ECS events in words, alerts and their rules."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, query
from chalicelib.api.http import limit as limit_param
from chalicelib.observe import alerts, events, metrics

bp = Blueprint(__name__)
SVC = "/orgs/{org}/services/{svc}"
TAG = "observe"


@endpoint(bp, SVC + "/metrics", "GET", "CPU, memory, task counts and (web) requests, latency and 4xx/5xx as aligned "
          "series, with deployments as markers", tag=TAG,
          query={"from": "ISO-8601 time (default: 3 hours before `to`)", "to": "ISO-8601 time (default: now)",
                 "period": f"seconds, a multiple of 60 (default 60); at most {metrics.MAX_POINTS} points"})
def service_metrics(org, svc):
    q = query(bp)
    return metrics.service_metrics(ports(), actor(bp), org, svc, q.get("from"), q.get("to"), q.get("period"))


@endpoint(bp, SVC + "/events", "GET", "ECS service events and stopped tasks in words, with the likely fix", tag=TAG,
          query={"limit": "1-200"})
def service_events(org, svc):
    return events.service_events(ports(), actor(bp), org, svc, limit_param(bp, 50, 200))


@endpoint(bp, SVC + "/alerts", "GET", "The service's alerts, newest first", tag=TAG,
          query={"status": "open or resolved", "limit": "1-200", "cursor": "from `next`"})
def list_alerts(org, svc):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*alerts.list_alerts(ports(), who, org, svc, query(bp).get("status"), limit, cursor))


@endpoint(bp, SVC + "/alert-rules", "GET", "Alert rules: the defaults with the service's own settings", tag=TAG)
def get_rules(org, svc):
    return alerts.get_rules(ports(), actor(bp), org, svc)


@endpoint(bp, SVC + "/alert-rules", "PUT", "Set the service's alert rules (rules left out use the defaults)",
          body=alerts.RulesIn, tag=TAG)
def put_rules(org, svc):
    who = actor(bp)
    return alerts.put_rules(ports(), who, org, svc, parse_body(bp, alerts.RulesIn))
