"""Talks to Razorpay and Stripe: their wire formats, signatures and errors. No server, no database."""
