"""Running the server: logs, metrics, loop lag, the garbage collector and redaction of secrets."""
