"""Private container registries: an organization's credentials for them (service.py), image
references read as Docker reads them (references.py), and the registry HTTP API v2 (v2.py) that
checks a login and pins an image to its digest."""
