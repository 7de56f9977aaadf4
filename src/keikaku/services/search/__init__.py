"""Full-text search over plans, projects, KPIs and the context documents: the query and its index."""
