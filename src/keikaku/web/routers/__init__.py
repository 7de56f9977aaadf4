"""One router per resource of the pages; each calls a service and renders a template."""
