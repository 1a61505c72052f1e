"""The local Typesense node of the tests, now :mod:`search_index.typesense_node` (shared
with the benchmarks); kept as a name for the test modules that import it from here."""

from search_index.typesense_node import API_KEY, free_port, running_typesense, server_binary

__all__ = ["API_KEY", "free_port", "running_typesense", "server_binary"]
