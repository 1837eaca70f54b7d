"""Razorpay: its REST client and signatures, and the flows that open, confirm, capture and apply its events."""
