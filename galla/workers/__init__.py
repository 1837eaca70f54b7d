"""Background jobs inside the server: the mailer and the reconciler."""
