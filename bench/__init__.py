"""The load generator: Galla and the blocking baseline, side by side, against sandboxes in their own processes."""
