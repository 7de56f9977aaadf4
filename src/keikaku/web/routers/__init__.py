"""One router per resource of the pages; each calls a service and renders a template.  What their form posts
share (the service call, the page again with a refused form's error, the redirect) is :mod:`.form_posts`."""
