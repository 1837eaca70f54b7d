"""Talks to MongoDB through motor, and nothing else: products, customers, orders, idempotency keys."""
