"""The flows: place an order, confirm its payment, record failed attempts."""
