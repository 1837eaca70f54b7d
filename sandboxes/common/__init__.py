"""What both sandboxes share: signed webhook delivery, telling listeners of each event, fault injection, ids, the
command line and the garbage-collector freeze."""
