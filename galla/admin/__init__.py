"""The admin sub-application: sign-in, the dashboard, orders and their traces, products, the outbox."""
