"""What the tests share: the app wired to the sandboxes, gateway webhooks, addresses, browsers, contracts."""
