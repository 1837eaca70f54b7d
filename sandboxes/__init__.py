"""Offline stand-ins for the payment gateways; they import nothing from galla on purpose."""
