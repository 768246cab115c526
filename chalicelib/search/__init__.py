"""Full-text search over services, deployments, log lines and audit events.

port.py is the contract; embedded.py (tantivy, the default) and opensearch.py
implement it; chalicelib.wiring.get_search() picks one. Nothing here imports tantivy or
opensearchpy at module level: the API must import fast.
"""
