"""Galla: a checkout server for Indian shops, Razorpay first and Stripe beside it, on MongoDB."""
