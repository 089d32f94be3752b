"""pwa domain."""
