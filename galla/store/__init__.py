"""MongoDB through motor, one module per collection; store/embedded holds the in-memory store's fast paths."""
