"""The published documents around the plans: the vision, the action plan, the partner agency's priorities
and the links curated between them and the plans."""
