"""insights domain."""
