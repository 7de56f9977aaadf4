"""Publication: which plans and evaluations the public sees, publishing and unpublishing them, and comments
on evaluations."""
