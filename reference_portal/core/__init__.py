"""The portal's core: HTTP, routing, the database, configuration, sessions and security. It imports no area."""
