"""What both gateways share (money, routing, breaker, retry, call records, errors) and each gateway's own code."""
