"""What the three reference products share: storage, change feed, webhooks, auth, errors."""
