"""How a service is doing: metrics from CloudWatch, ECS events in words, alerts."""
