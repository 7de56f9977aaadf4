"""Response and request schemas of the API, named ``…Public`` (responses) and ``…Create`` (request bodies)."""
