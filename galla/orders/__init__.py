"""The order flows every gateway shares: placing, settling, refunds, disputes, failover, reconcile."""
