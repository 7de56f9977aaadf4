"""The shared kernel of the services: who acts and what they may do, the database gate, errors, paging,
provenance, users' free text and the home issuer.  It imports no other services sub-package."""
