"""What both sandboxes share: signed webhook delivery, fault injection and the garbage-collector freeze."""
