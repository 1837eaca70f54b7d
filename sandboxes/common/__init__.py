"""What both sandboxes share: signed webhook delivery, fault injection, ids, the command line and the
garbage-collector freeze."""
