"""Plans, projects and KPIs: reading them (lists, a plan, a project, the dashboard and tree), editing them,
revisions and comparing fiscal years."""
