"""launchbay.yaml: a project's environments and services as code (model.py), read with line
numbers (parse.py), compared with what the store holds (plan.py), applied as one change
(apply.py), and written back from the store (export.py). Importers turn Copilot, Compose and
Heroku files into the same document (importers/)."""
