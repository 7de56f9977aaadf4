"""Services: the one entry for web, API and CLI. Each public function is one unit of work."""
