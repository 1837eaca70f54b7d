"""Stripe: its SDK client, and the flows that open and confirm a Checkout Session and apply its events."""
