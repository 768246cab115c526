"""Environment groups: an organization's named sets of variables and secrets (datadog,
stripe-live), linked by name to any of its services in any project (models.py: request bodies;
service.py: the rules). A service gets, lowest to highest: its environment's < each linked group in
the order it lists them < its own (chalicelib/catalog/environments.py `resolved`)."""
