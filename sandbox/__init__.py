"""Offline stand-ins for the payment gateways; they import nothing from the app on purpose."""
