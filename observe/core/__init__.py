"""Pages that belong to no single domain: home, health, language and school switch."""
