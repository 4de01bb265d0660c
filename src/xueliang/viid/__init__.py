"""viid domain: the GA/T 1400 (视图库) protocol — registration, keepalive, uploads, queries,
subscriptions and the durable notification outbox. Records themselves belong to ``viewlib``."""
