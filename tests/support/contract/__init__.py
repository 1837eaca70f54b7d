"""The contract checks: Galla's wire traffic against what Razorpay and Stripe publish."""
