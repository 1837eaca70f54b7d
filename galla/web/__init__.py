"""HTTP pieces the sub-applications share: strict bodies, request ids, error envelopes, headers, rate limits."""
