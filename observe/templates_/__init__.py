"""templates_ domain."""
